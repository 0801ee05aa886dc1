// What response comparison looks at in one answer: its status, its media type, the names of its
// headers, its JSON body parsed (when it is JSON and whole) and, for an event stream, the types
// of its events in order. Made from a recorded answer (a capture's Response) or from a live
// one's parts. It compares nothing and knows nothing of replay or the mirror.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "capture/Exchange.hpp"

namespace reprise::compare {

struct Answer {
  int status = 0;
  std::string media_type;                 // "application/json", lower case, no parameters
  std::vector<std::string> header_names;  // lower case, sorted, once each, framing headers left out
  bool body_kept = true;                  // false: too big to keep (or cut): the body is not compared
  bool has_json = false;                  // `json` holds the body
  nlohmann::json json;
  bool stream = false;                    // an event stream: `event_types` says what it carried
  bool stream_whole = true;               // false when only the start of the stream was kept
  std::vector<std::string> event_types;   // in order, one per event

  // A recorded answer. Its body is read when it is whole.
  static Answer recorded(const capture::Response& res);
  // A live answer's head; the body follows through set_body or set_stream.
  static Answer head(int status, const capture::HeaderList& headers);
  template <class Headers>
  static Answer head_of(int status, const Headers& headers) {
    Answer a;
    a.status = status;
    for (const auto& h : headers) a.add_header(h.name, h.value);
    a.finish_headers();
    return a;
  }
  // The body: parsed when the media type is JSON's.
  void set_body(std::string_view body);
  // The body parsed already (a discarded value: not JSON).
  void set_json(nlohmann::json parsed);
  // The kept start of an event stream's body; `whole` when it is all of it.
  void set_stream(std::string_view body, bool whole);

 private:
  void add_header(std::string_view name, std::string_view value);
  void finish_headers();
};

// True for a media type whose body is JSON: application/json and any +json.
bool is_json_media(std::string_view media_type);

}  // namespace reprise::compare
