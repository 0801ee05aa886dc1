// Bucket arithmetic, percentiles and the JSON form of Histogram. Bucket i < 256 holds the value
// i exactly; above that, each power of two [2^b, 2^(b+1)) is cut into 128 buckets of width
// 2^(b-7). The index is (shift << 7) + (v >> shift) with shift = max(0, bit_width(v) - 8), which
// runs on from the exact range without a gap.
#include "metrics/Histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "InputError.hpp"

namespace reprise::metrics {

namespace {

constexpr int kSubBucketBits = 7;               // 128 sub-buckets per power of two
constexpr uint64_t kLimit = uint64_t{1} << 32;  // 4.29e9 > 1 h in µs; above it, the top bucket
constexpr size_t kBucketCount = ((32 - kSubBucketBits - 1) << kSubBucketBits) + (2 << kSubBucketBits);

int shift_of(uint64_t value) {
  return std::max(0, static_cast<int>(std::bit_width(value)) - (kSubBucketBits + 1));
}

size_t index_of(uint64_t value) {
  value = std::min(value, kLimit - 1);
  const int shift = shift_of(value);
  return (static_cast<size_t>(shift) << kSubBucketBits) + (value >> shift);
}

// The inverse of index_of: the bucket's smallest value plus half its width (1 << shift).
uint64_t midpoint_of(size_t index) {
  const int shift = std::max(0, static_cast<int>(index >> kSubBucketBits) - 1);
  const uint64_t lower = (index - (static_cast<size_t>(shift) << kSubBucketBits)) << shift;
  return lower + ((uint64_t{1} << shift) >> 1);
}

// JSON built in code holds 5 as a signed integer, JSON parsed from text as an unsigned one.
bool is_non_negative_integer(const nlohmann::json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
}

// Reads j[key] as a non-negative integer, or throws naming the key.
uint64_t unsigned_at(const nlohmann::json& j, const char* key, const std::string& file,
                     const std::string& place) {
  const auto it = j.find(key);
  if (it == j.end()) throw InputError(file, place, std::string("missing key \"") + key + "\"");
  if (!is_non_negative_integer(*it))
    throw InputError(file, place,
                     std::string("\"") + key + "\" must be a non-negative integer, not " + it->dump());
  return it->get<uint64_t>();
}

}  // namespace

Histogram::Histogram() : buckets_(kBucketCount, 0) {}

void Histogram::record(uint64_t value) {
  ++buckets_[index_of(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;  // the common case when adding up tags' figures
  for (size_t i = 0; i < kBucketCount; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

Histogram Histogram::since(const Histogram& earlier) const {
  Histogram out;
  for (size_t i = 0; i < kBucketCount; ++i) {
    const uint64_t n = buckets_[i] - std::min(buckets_[i], earlier.buckets_[i]);
    if (n == 0) continue;
    out.buckets_[i] = n;
    out.count_ += n;
    const uint64_t mid = std::clamp(midpoint_of(i), min(), max_);
    out.min_ = std::min(out.min_, mid);
    out.max_ = std::max(out.max_, mid);
  }
  out.sum_ = sum_ - std::min(sum_, earlier.sum_);
  return out;
}

void Histogram::reset() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
}

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

uint64_t Histogram::count_at_most(uint64_t value) const {
  if (count_ == 0 || value < min()) return 0;
  if (value >= max_) return count_;
  // Every bucket before the one holding value + 1 holds only values at most `value`.
  uint64_t n = 0;
  for (size_t i = 0; i < index_of(value + 1); ++i) n += buckets_[i];
  return n;
}

uint64_t Histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  // p * count / 100 rather than p / 100 * count: 99 * 100000 / 100 is exact, 0.99 * 100000 is not.
  const auto wanted = static_cast<uint64_t>(std::ceil(p * static_cast<double>(count_) / 100.0));
  const uint64_t rank = std::clamp<uint64_t>(wanted, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBucketCount; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(midpoint_of(i), min_, max_);
  }
  return max_;  // unreachable while the buckets add up to count_
}

nlohmann::json Histogram::to_json() const {
  auto buckets = nlohmann::json::array();
  for (size_t i = 0; i < kBucketCount; ++i)
    if (buckets_[i] != 0) buckets.push_back({i, buckets_[i]});
  return {{"count", count_}, {"min", min()}, {"max", max_}, {"sum", sum_}, {"buckets", std::move(buckets)}};
}

Histogram Histogram::from_json(const nlohmann::json& j, const std::string& file, const std::string& field) {
  const std::string place = "field " + field;
  if (!j.is_object()) throw InputError(file, place, "expected a histogram object, not " + j.dump());
  Histogram h;
  h.count_ = unsigned_at(j, "count", file, place);
  h.min_ = unsigned_at(j, "min", file, place);
  h.max_ = unsigned_at(j, "max", file, place);
  h.sum_ = unsigned_at(j, "sum", file, place);
  if (h.count_ > 0 && h.min_ > h.max_) throw InputError(file, place, "\"min\" is greater than \"max\"");
  if (h.count_ == 0) h.min_ = UINT64_MAX;

  const auto it = j.find("buckets");
  if (it == j.end()) throw InputError(file, place, "missing key \"buckets\"");
  if (!it->is_array()) throw InputError(file, place, "\"buckets\" must be an array of [index, count] pairs");
  uint64_t total = 0;
  for (const auto& pair : *it) {
    if (!pair.is_array() || pair.size() != 2 || !is_non_negative_integer(pair[0]) ||
        !is_non_negative_integer(pair[1]))
      throw InputError(file, place,
                       "\"buckets\" entry " + pair.dump() + " is not a pair of non-negative integers");
    const auto index = pair[0].get<uint64_t>();
    const auto n = pair[1].get<uint64_t>();
    if (index >= kBucketCount)
      throw InputError(file, place,
                       "\"buckets\" index " + std::to_string(index) + " is out of range 0.." +
                           std::to_string(kBucketCount - 1));
    if (n > UINT64_MAX - total) throw InputError(file, place, "\"buckets\" counts overflow");
    h.buckets_[index] += n;
    total += n;
  }
  if (total != h.count_)
    throw InputError(file, place,
                     "\"buckets\" counts add up to " + std::to_string(total) + ", not \"count\" " +
                         std::to_string(h.count_));
  return h;
}

}  // namespace reprise::metrics
