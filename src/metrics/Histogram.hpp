// A log-linear (HDR-style) histogram of non-negative integers, microseconds in practice: 128
// sub-buckets per power of two, so any value from 1 to 3.6e9 (1 µs .. 1 h) is reported within
// 0.4 %; values below 256 are exact and values from 2^32 up share the top bucket (min, max and
// sum stay exact). One per thread: record() allocates nothing and takes no lock; threads and
// processes combine theirs with merge(), across processes through the sparse JSON form.
// It must not know what it measures: naming, registries and output formats live elsewhere.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace reprise::metrics {

class Histogram {
 public:
  Histogram();  // allocates its buckets once

  void record(uint64_t value);  // 0 allowed
  void merge(const Histogram& other);
  void reset();
  // What was recorded after `earlier`, an older copy of this same histogram (a rolling window, a
  // chart's interval): buckets, count and sum subtracted; min and max are the midpoints of the
  // lowest and highest buckets left, within this histogram's own min and max.
  Histogram since(const Histogram& earlier) const;

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }  // 0 when empty
  uint64_t max() const { return max_; }
  double mean() const;  // 0 when empty
  uint64_t sum() const { return sum_; }

  // The value at percentile p (0..100) the way HDR does it: the smallest recorded bucket whose
  // cumulative count reaches ceil(p/100 * count) (at least 1), reported as a representative value
  // of that bucket (its midpoint, clamped to [min,max]). 0 when empty.
  uint64_t percentile(double p) const;
  // How many recorded values are at most `value`, to the bucket (a Prometheus `le` bucket):
  // every bucket whose values all lie at or below `value` is counted.
  uint64_t count_at_most(uint64_t value) const;

  // Sparse JSON: {"count":N,"min":..,"max":..,"sum":..,"buckets":[[index,count],...]} with only
  // non-empty buckets, so an idle histogram is tiny.
  nlohmann::json to_json() const;
  // Throws InputError(file, "field " + field, problem) on a malformed object: missing keys,
  // negative numbers, bucket index out of range, counts that do not add up to count.
  static Histogram from_json(const nlohmann::json& j, const std::string& file, const std::string& field);

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  uint64_t sum_ = 0;
};

}  // namespace reprise::metrics
