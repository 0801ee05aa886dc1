// Answers for the response comparison tests, made the way replay makes them (a head, then the
// body or the kept stream), so that each test says only what its answer carries. For tests only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compare/Answer.hpp"

namespace reprise::compare::test {

// A JSON answer with `headers` besides its Content-Type.
inline Answer json_answer(const nlohmann::json& body, int status = 200, capture::HeaderList headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  Answer a = Answer::head(status, headers);
  a.set_body(body.dump());
  return a;
}

// An event stream answer carrying events of `types`, in order; `whole`: all of it was kept.
inline Answer stream_answer(const std::vector<std::string>& types, bool whole = true) {
  Answer a = Answer::head(200, {{"Content-Type", "text/event-stream"}});
  std::string body;
  for (const auto& t : types) body += "event: " + t + "\ndata: {}\n\n";
  a.set_stream(body, whole);
  return a;
}

}  // namespace reprise::compare::test
