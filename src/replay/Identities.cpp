#include "replay/Identities.hpp"

#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "http/MessageHead.hpp"
#include "http/PercentEncoding.hpp"
#include "replay/RequestTemplate.hpp"

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
  for (auto& [name, value] : string_fields(req))  // a form body
    if (name == field) return std::move(value);
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
    } else if (at("{copy}")) {
      out += std::to_string(ctx.copy);
      i += 5;
    } else if (at("{run}")) {
      out += ctx.run ? ctx.run->text : std::string("000000");
      i += 4;
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

Fields string_fields(const capture::Request& req) {
  Fields out;
  const std::string& body = req.body.data;
  if (body.empty() || req.body.truncated()) return out;
  Json j = Json::parse(body, nullptr, false);
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.value().is_string()) out.emplace_back(it.key(), it.value().get<std::string>());
    return out;
  }
  if (!j.is_discarded()) return out;
  for (const auto& [name, value] : req.headers)
    if (http::iequals(name, "Content-Type") && value.find("x-www-form-urlencoded") != std::string::npos)
      for (size_t start = 0; start < body.size();) {
        size_t amp = std::min(body.find('&', start), body.size());
        std::string_view pair = std::string_view(body).substr(start, amp - start);
        size_t eq = pair.find('=');
        if (eq != std::string_view::npos && eq > 0)
          out.emplace_back(std::string(pair.substr(0, eq)),
                           http::url_decode(pair.substr(eq + 1), http::UrlPart::query));
        start = amp + 1;
      }
  return out;
}

std::string endpoint_of(const capture::Request& req) {
  return req.method + " " + req.target.substr(0, req.target.find('?'));
}

FieldEvidence field_evidence(const std::vector<capture::Exchange>& exchanges) {
  // endpoint → (field, value) → how many 2xx answers accepted it
  std::map<std::string, std::map<std::pair<std::string, std::string>, int>> accepted;
  std::set<std::pair<std::string, std::string>> refused;  // endpoint, field
  for (const auto& x : exchanges) {
    if (!x.res) continue;
    int status = x.res->status;
    if (status != 400 && status != 409 && (status < 200 || status > 299)) continue;
    const std::string endpoint = endpoint_of(x.req);
    auto& sent = accepted[endpoint];
    for (auto& field : string_fields(x.req)) {
      if (status >= 400) {
        if (sent.count(field)) refused.emplace(endpoint, field.first);
      } else {
        ++sent[std::move(field)];
      }
    }
  }
  FieldEvidence out;
  for (const auto& [endpoint, fields] : accepted)
    for (const auto& [field, times] : fields)
      if (times > 1) out.shared.emplace(endpoint, field.first);
  for (const auto& at : refused)
    if (!out.shared.count(at)) out.refused.insert(at.second);
  return out;
}

namespace {

bool identity_worthy(const std::string& value) {
  return value.size() >= 2 && value.find("{{redacted:") == std::string::npos;
}

void collect_strings(const Json& j, std::set<std::string>& out) {
  if (j.is_string())
    out.insert(j.get<std::string>());
  else if (j.is_structured())
    for (const auto& v : j) collect_strings(v, out);
}

}  // namespace

std::set<std::string> echoed_strings(const capture::Exchange& x) {
  std::set<std::string> out;
  if (x.res && x.res->status >= 200 && x.res->status <= 299 && !x.res->body.truncated())
    collect_strings(Json::parse(x.res->body.data, nullptr, false), out);
  return out;
}

Fields echoed_fields(const capture::Exchange& x) {
  Fields out;
  if (x.req.method != "POST") return out;
  Fields sent = string_fields(x.req);
  if (sent.empty()) return out;
  const std::set<std::string> echoed = echoed_strings(x);
  for (auto& [name, value] : sent)
    if (echoed.count(value) && identity_worthy(value)) out.emplace_back(std::move(name), std::move(value));
  return out;
}

Fields creating_fields(const std::vector<const capture::Exchange*>& user, const FieldEvidence& evidence) {
  std::map<std::string, size_t, std::less<>>
      last_carried;  // value → the last request of the user carrying it
  for (size_t k = 0; k < user.size(); ++k)
    RequestTemplate::each_value(user[k]->req, [&](std::string_view whole, bool, const Site&) {
      last_carried[std::string(whole)] = k;
    });
  for (size_t k = 0; k < user.size(); ++k) {
    const auto* x = user[k];
    if (!x->res || x->res->status < 200 || x->res->status > 299 || x->res->body.truncated()) continue;
    Fields sent = string_fields(x->req);
    if (sent.empty()) continue;
    const std::set<std::string> echoed = echoed_strings(*x);
    const std::string endpoint = endpoint_of(x->req);
    Fields out;
    bool creating = false;  // the service stored a value the user goes on to use (the email it logs in with)
    for (auto& [name, value] : sent) {
      const bool echo = echoed.count(value) > 0, refused = evidence.refused.count(name) > 0;
      auto later = last_carried.find(value);
      creating |= (echo && later != last_carried.end() && later->second > k) || refused;
      if ((echo || refused) && !evidence.shared.count({endpoint, name}) && identity_worthy(value))
        out.emplace_back(name, value);
    }
    if (creating) return out;
  }
  return {};
}

RunMark RunMark::random() {
  std::random_device device;
  uint64_t r = (static_cast<uint64_t>(device()) << 32) ^ device();
  RunMark mark;
  for (char& c : mark.text) {
    c = "0123456789abcdefghijklmnopqrstuvwxyz"[r % 36];
    r /= 36;
  }
  mark.digits = static_cast<uint32_t>(device() % 10000);
  return mark;
}

std::string unique_value(const std::string& recorded, const RunMark& run, uint64_t copy) {
  bool digits = !recorded.empty() && recorded.find_first_not_of("0123456789") == std::string::npos;
  if (digits) {  // a phone number: as long as it was, its prefix when there is room
    char tail[32];
    std::snprintf(tail, sizeof tail, "%04u%llu", run.digits % 10000, static_cast<unsigned long long>(copy));
    const size_t n = std::strlen(tail);
    if (recorded.size() < n) return tail;
    const size_t prefix = std::min<size_t>(3, recorded.size() - n);
    return recorded.substr(0, prefix) + std::string(recorded.size() - n - prefix, '0') + tail;
  }
  // The copy's number before the run's mark, so that no copy's value is part of another's: a
  // search by substring for copy 1's "bob_1_k3x9q1" does not also find copy 10's "bob_10_k3x9q1"
  // (as "bob_k3x9q1_1" found "bob_k3x9q1_10").
  std::string suffix = "_";
  suffix += std::to_string(copy);
  suffix += '_';
  suffix += run.text;
  size_t at = recorded.find('@');
  if (at != std::string::npos && at > 0) return recorded.substr(0, at) + suffix + recorded.substr(at);
  return recorded + suffix;
}

bool template_repeats(const std::string& value_template, int users) {
  auto has = [&](const char* p) { return value_template.find(p) != std::string::npos; };
  if (has("{copy}") || has("{uuid}")) return false;
  return users > 1 || !(has("{vu}") && has("{iter}"));
}

}  // namespace reprise::replay
