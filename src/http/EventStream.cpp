#include "http/EventStream.hpp"

#include <algorithm>

#include "http/MessageHead.hpp"

namespace reprise::http {
namespace {
constexpr std::string_view kData = "data";
constexpr std::string_view kBom = "\xEF\xBB\xBF";
}  // namespace

bool is_event_stream(std::string_view content_type) {
  return istarts_with(content_type, "text/event-stream");
}

std::string rewrite_event_data(std::string_view stream, const std::function<void(std::string&)>& edit) {
  struct Line {
    std::string_view field, value, ending;  // "data: ", the rest, "\r\n" ("" at a cut end)
  };
  std::vector<Line> run;
  std::string out;
  auto flush = [&] {
    if (run.empty()) return;
    std::string data;
    for (size_t k = 0; k < run.size(); ++k) data.append(k ? "\n" : "").append(run[k].value);
    edit(data);
    std::string_view rest = data;
    for (size_t k = 0;; ++k) {
      size_t nl = rest.find('\n');
      const Line& line = run[std::min(k, run.size() - 1)];
      out.append(line.field)
          .append(rest.substr(0, nl))
          .append(nl == rest.npos ? run.back().ending : line.ending);
      if (nl == rest.npos) break;
      rest.remove_prefix(nl + 1);
    }
    run.clear();
  };
  size_t i = stream.starts_with(kBom) ? kBom.size() : 0;
  out.append(stream.substr(0, i));
  while (i < stream.size()) {
    size_t eol = std::min(stream.find_first_of("\r\n", i), stream.size());
    size_t next = eol == stream.size() ? eol : eol + (stream.substr(eol, 2) == "\r\n" ? 2 : 1);
    std::string_view line = stream.substr(i, eol - i), ending = stream.substr(eol, next - eol);
    if (line.starts_with("data:")) {
      size_t field = line.size() > 5 && line[5] == ' ' ? 6 : 5;
      run.push_back({line.substr(0, field), line.substr(field), ending});
    } else {
      flush();
      out.append(line).append(ending);
    }
    i = next;
  }
  flush();
  return out;
}

std::vector<std::string> event_types(std::string_view stream) {
  std::vector<std::string> out;
  EventStreamScanner scanner;
  size_t start = 0;
  scanner.feed(stream, [&](EventStreamScanner::Block block) {
    std::string_view text = stream.substr(start, block.end - start);
    if (start == 0 && text.starts_with(kBom)) text.remove_prefix(kBom.size());
    start = block.end;
    if (!block.dispatched) return;
    std::string type = "message";
    for (size_t i = 0; i < text.size();) {
      size_t eol = std::min(text.find_first_of("\r\n", i), text.size());
      std::string_view line = text.substr(i, eol - i);
      if (line == "event") {  // a field without a colon has an empty value
        type = "message";
      } else if (line.starts_with("event:")) {
        line.remove_prefix(line.size() > 6 && line[6] == ' ' ? 7 : 6);
        type = line.empty() ? "message" : std::string(line);
      }
      i = eol + 1;
    }
    out.push_back(std::move(type));
  });
  return out;
}

bool EventStreamScanner::take(char c) {
  if (at_start_) {
    if (bom_seen_ < kBom.size() && c == kBom[bom_seen_]) {
      if (++bom_seen_ == kBom.size()) at_start_ = false;
      return false;
    }
    at_start_ = false;
    // A BOM cut short is no BOM: its bytes begin the first line, which no field name matches.
    if (bom_seen_ > 0 && c != '\r' && c != '\n') {
      line_empty_ = false;
      field_ = Field::other;
      return false;
    }
  }
  if (c == '\n' && after_cr_) {
    after_cr_ = false;
    return false;
  }
  after_cr_ = c == '\r';
  if (c == '\r' || c == '\n') return end_line();
  line_empty_ = false;
  if (field_ != Field::unknown) return false;
  if (name_matched_ < kData.size() && c == kData[name_matched_])
    ++name_matched_;
  else
    field_ = name_matched_ == kData.size() && c == ':' ? Field::data : Field::other;
  return false;
}

bool EventStreamScanner::end_line() {
  if (line_empty_) {  // a blank line: the block ends (more blank lines end none)
    if (!block_started_) return false;
    block_started_ = false;
    ++blocks_;
    last_dispatched_ = block_has_data_;
    if (block_has_data_) ++events_;
    block_has_data_ = false;
    return true;
  }
  // "data" alone on its line is a data field with an empty value
  if (field_ == Field::data || (field_ == Field::unknown && name_matched_ == kData.size()))
    block_has_data_ = true;
  block_started_ = true;
  line_empty_ = true;
  name_matched_ = 0;
  field_ = Field::unknown;
  return false;
}

}  // namespace reprise::http
