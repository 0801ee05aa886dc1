#include "compare/Answer.hpp"

#include <algorithm>
#include <array>

#include "http/EventStream.hpp"
#include "http/MessageHead.hpp"

namespace reprise::compare {
namespace {

// Headers that say how a message travels or when it was made, not what the service answered.
constexpr std::array<std::string_view, 12> kFraming = {
    "connection",    "content-length", "date",   "keep-alive", "transfer-encoding", "server",
    "last-modified", "etag",           "expires", "age",        "via",               "content-type"};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

bool is_json_media(std::string_view media_type) {
  return media_type == "application/json" || media_type.ends_with("+json");
}

void Answer::add_header(std::string_view name, std::string_view value) {
  std::string n = lower(name);
  if (n == "content-type") {
    std::string_view v = value.substr(0, value.find(';'));
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    media_type = lower(v);
    stream = http::is_event_stream(value);
  }
  if (std::find(kFraming.begin(), kFraming.end(), n) == kFraming.end()) header_names.push_back(std::move(n));
}

void Answer::finish_headers() {
  std::sort(header_names.begin(), header_names.end());
  header_names.erase(std::unique(header_names.begin(), header_names.end()), header_names.end());
}

Answer Answer::head(int status, const capture::HeaderList& headers) {
  Answer a;
  a.status = status;
  for (const auto& [name, value] : headers) a.add_header(name, value);
  a.finish_headers();
  return a;
}

Answer Answer::recorded(const capture::Response& res) {
  Answer a = head(res.status, res.headers);
  if (a.stream)
    a.set_stream(res.body.data, !res.body.truncated());
  else if (!res.body.truncated())
    a.set_body(res.body.data);
  else
    a.body_kept = false;
  return a;
}

void Answer::set_body(std::string_view body) {
  if (is_json_media(media_type)) set_json(nlohmann::json::parse(body, nullptr, false));
}

void Answer::set_json(nlohmann::json parsed) {
  json = std::move(parsed);
  has_json = !json.is_discarded();
  if (!has_json) json = nullptr;
}

void Answer::set_stream(std::string_view body, bool whole) {
  event_types = http::event_types(body);
  stream_whole = whole;
}

}  // namespace reprise::compare
