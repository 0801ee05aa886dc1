#include "replay/Identities.hpp"

#include <nlohmann/json.hpp>
#include <random>

#include "http/MessageHead.hpp"
#include "http/PercentEncoding.hpp"

namespace reprise::replay {
namespace {

using Json = nlohmann::json;

std::optional<std::string> find_field(const Json& j, const std::string& field) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == field && it.value().is_string()) return it.value().get<std::string>();
      if (auto found = find_field(it.value(), field)) return found;
    }
  } else if (j.is_array()) {
    for (const auto& v : j)
      if (auto found = find_field(v, field)) return found;
  }
  return std::nullopt;
}

std::optional<std::string> form_field(std::string_view body, const std::string& field) {
  for (size_t start = 0; start < body.size();) {
    size_t amp = body.find('&', start);
    std::string_view pair =
        body.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (pair.size() > field.size() && pair.starts_with(field) && pair[field.size()] == '=')
      return http::url_decode(pair.substr(field.size() + 1), http::UrlPart::query);
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return std::nullopt;
}

std::string uuid4() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;        // version 4
  lo = (lo & ~(3ULL << 62)) | (2ULL << 62);  // variant 10
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return out;
}

}  // namespace

std::optional<std::string> identity_value(const capture::Request& req, const std::string& field) {
  const std::string& body = req.body.data;
  if (body.empty() || req.body.truncated()) return std::nullopt;
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_discarded()) return find_field(j, field);
  for (const auto& [name, value] : req.headers)
    if (http::iequals(name, "Content-Type") && value.find("x-www-form-urlencoded") != std::string::npos)
      return form_field(body, field);
  return std::nullopt;
}

std::string expand_identity(const std::string& value_template, const IdentityContext& ctx) {
  std::string out;
  out.reserve(value_template.size() + 16);
  for (size_t i = 0; i < value_template.size(); ++i) {
    auto at = [&](std::string_view name) {
      return std::string_view(value_template).substr(i).starts_with(name);
    };
    if (at("{vu}")) {
      out += std::to_string(ctx.vu);
      i += 3;
    } else if (at("{iter}")) {
      out += std::to_string(ctx.iter);
      i += 5;
    } else if (at("{shard}")) {
      out += std::to_string(ctx.shard);
      i += 6;
    } else if (at("{uuid}")) {
      out += uuid4();
      i += 5;
    } else {
      out += value_template[i];
    }
  }
  return out;
}

}  // namespace reprise::replay
