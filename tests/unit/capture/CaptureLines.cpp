#include "capture/CaptureLines.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "Occurrences.hpp"

using reprise::capture::CaptureLines;
using reprise::capture::Exchange;
using reprise::capture::RedactionRules;
using reprise::capture::Redactor;

namespace {

using reprise::test::occurrences;

// The default logger's lines while it lives.
class LogLines {
 public:
  LogLines() : previous_(spdlog::default_logger()) {
    auto logger =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_pattern("%l %v");
    spdlog::set_default_logger(logger);
  }
  ~LogLines() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

Exchange with_header(std::string name, std::string value) {
  Exchange x;
  x.req.method = "GET";
  x.req.target = "/";
  x.req.headers = {{std::move(name), std::move(value)}};
  return x;
}

}  // namespace

TEST_CASE("a header that is not UTF-8 is written with U+FFFD and warned about once per name") {
  LogLines log;
  CaptureLines lines(std::nullopt);
  std::string out;
  Exchange a = with_header("X-Raw", "caf\xE9");
  Exchange b = with_header("x-raw", "\xFF\xFE");
  Exchange c = with_header("X-Other", "\xC0\xAF");
  Exchange d = with_header("X-Fine", "caf\xC3\xA9");
  for (Exchange* x : {&a, &b, &c, &d}) lines.append(out, *x);
  CHECK(occurrences(out, "\\ufffd") == 5);  // one per bad byte
  std::string text = log.text();
  CHECK(occurrences(text, "warning exchange 1: header X-Raw is not UTF-8") == 1);
  CHECK(occurrences(text, "header x-raw") == 0);
  CHECK(occurrences(text, "warning exchange 3: header X-Other is not UTF-8") == 1);
  CHECK(occurrences(text, "X-Fine") == 0);
}

TEST_CASE("a secret header that is not UTF-8 is redacted, so nothing is replaced or warned about") {
  LogLines log;
  CaptureLines lines(Redactor(RedactionRules::defaults()));
  std::string out;
  Exchange x = with_header("X-Api-Key", "k\xFF");
  lines.append(out, x);
  CHECK(out.find("\\ufffd") == std::string::npos);
  CHECK(log.text().empty());
}
