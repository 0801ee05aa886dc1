#include "capture/CaptureReader.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "InputError.hpp"
#include "InputFile.hpp"
#include "capture/CaptureFormat.hpp"
#include "capture/ImportHint.hpp"

namespace reprise::capture {

CaptureReader::CaptureReader(std::string path) : path_(std::move(path)), in_(open_input_file(path_)) {
  if (auto what = foreign_file(path_, in_)) throw InputError("", "", *what);
  std::string text;
  if (!std::getline(in_, text))
    throw InputError(path_, "line 1", "the file is empty" + import_hint_by_name(path_));
  line_ = 1;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded())
    throw InputError(path_, "line 1",
                     "not JSON (a capture starts with its header line)" + import_hint_by_name(path_));
  try {
    header_ = header_from_json(j, path_, 1);
  } catch (const InputError& e) {
    std::string hint = import_hint_by_name(path_);
    if (hint.empty()) throw;
    throw InputError("", "", e.what() + hint);
  }
}

std::vector<Exchange> CaptureReader::read_all(const std::string& path) {
  CaptureReader reader(path);
  std::vector<Exchange> out;
  Exchange x;
  while (reader.next(x)) out.push_back(std::move(x));
  if (reader.tail_cut())
    spdlog::warn("{}: the last line was cut off (a crash while recording); using the rest", path);
  return out;
}

bool CaptureReader::next(Exchange& out) {
  std::string text;
  while (std::getline(in_, text)) {
    ++line_;
    bool last_without_newline = in_.eof();
    if (text.empty()) continue;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      if (last_without_newline) {  // a crash in the middle of writing this line
        tail_cut_ = true;
        return false;
      }
      throw InputError(path_, "line " + std::to_string(line_), "not JSON");
    }
    if (is_gap(j)) {
      if (!j["dropped_records"].is_number_unsigned())
        throw InputError(path_, "line " + std::to_string(line_) + ", field dropped_records",
                         "must be a whole number");
      dropped_ += j["dropped_records"].get<uint64_t>();
      continue;
    }
    out = exchange_from_json(j, path_, line_);
    return true;
  }
  return false;
}

}  // namespace reprise::capture
