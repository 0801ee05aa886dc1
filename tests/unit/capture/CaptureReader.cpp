#include "capture/CaptureReader.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "InputError.hpp"
#include "TempFile.hpp"
#include "capture/CaptureFormat.hpp"
#include "capture/CaptureWriter.hpp"

using reprise::InputError;
using reprise::capture::append_gap_line;
using reprise::capture::append_line;
using reprise::capture::CaptureHeader;
using reprise::capture::CaptureReader;
using reprise::capture::CaptureWriter;
using reprise::capture::Exchange;
using reprise::test::TempFile;

namespace {

std::string header_line() {
  CaptureHeader h;
  h.created = "2026-11-25T13:00:00Z";
  h.source = "pcap";
  std::string out;
  append_line(out, h);
  return out;
}

std::string exchange_line(uint64_t id) {
  Exchange x;
  x.id = id;
  x.session = "s";
  x.t_us = static_cast<int64_t>(id);
  x.req.method = "GET";
  x.req.target = "/" + std::to_string(id);
  std::string out;
  append_line(out, x);
  return out;
}

std::vector<uint64_t> ids_of(CaptureReader& r) {
  std::vector<uint64_t> ids;
  Exchange x;
  while (r.next(x)) ids.push_back(x.id);
  return ids;
}

// The message of the InputError opening `path` and reading it to the end gives, or "".
std::string read_error(const std::string& path) {
  try {
    CaptureReader r(path);
    ids_of(r);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a capture written by CaptureWriter reads back record by record") {
  TempFile file;
  {
    CaptureHeader h;
    h.created = "2026-11-25T13:00:00Z";
    h.source = "proxy";
    h.redaction = "none";
    CaptureWriter w(file.path(), h);
    REQUIRE(w.write(exchange_line(1) + exchange_line(2)));
    REQUIRE(w.write(exchange_line(3)));
  }
  CaptureReader r(file.path());
  CHECK(r.path() == file.path());
  CHECK(r.header().source == "proxy");
  CHECK(r.header().redaction == "none");
  Exchange x;
  REQUIRE(r.next(x));
  CHECK(x.id == 1);
  CHECK(x.req.target == "/1");
  REQUIRE(r.next(x));
  CHECK(x.id == 2);
  REQUIRE(r.next(x));
  CHECK(x.id == 3);
  CHECK_FALSE(r.next(x));
  CHECK_FALSE(r.next(x));
  CHECK_FALSE(r.tail_cut());
  CHECK(r.dropped() == 0);
}

TEST_CASE("gap lines are summed into dropped() and skipped as records") {
  std::string text = header_line();
  append_gap_line(text, 3, 10);
  text += exchange_line(1);
  append_gap_line(text, 5, 20);
  append_gap_line(text, 1, 30);
  text += exchange_line(2);
  TempFile file(text);
  CaptureReader r(file.path());
  CHECK(ids_of(r) == std::vector<uint64_t>{1, 2});
  CHECK(r.dropped() == 9);
}

TEST_CASE("a last line cut off without a newline is skipped and reported, the records before it read") {
  std::string whole = exchange_line(3);
  TempFile file(header_line() + exchange_line(1) + exchange_line(2) + whole.substr(0, whole.size() / 2));
  CaptureReader r(file.path());
  CHECK(ids_of(r) == std::vector<uint64_t>{1, 2});
  CHECK(r.tail_cut());
}

TEST_CASE("a complete last line without its newline is a record, not a cut") {
  std::string last = exchange_line(2);
  last.pop_back();
  TempFile file(header_line() + exchange_line(1) + last);
  CaptureReader r(file.path());
  CHECK(ids_of(r) == std::vector<uint64_t>{1, 2});
  CHECK_FALSE(r.tail_cut());
}

TEST_CASE("a malformed line anywhere but a cut-off last line is an InputError naming its line") {
  std::string bad = exchange_line(2);
  bad = bad.substr(0, bad.size() / 2) + "\n";
  TempFile middle(header_line() + exchange_line(1) + bad + exchange_line(3));
  CHECK_THAT(read_error(middle.path()), Catch::Matchers::StartsWith(middle.path() + ":line 3: ") &&
                                            Catch::Matchers::Contains("not JSON"));

  // Cut, but followed by its newline: not a crash mid-write.
  TempFile last_with_newline(header_line() + exchange_line(1) + bad);
  CHECK_THAT(read_error(last_with_newline.path()), Catch::Matchers::Contains(":line 3: "));

  // Blank lines are skipped but still counted.
  TempFile blank(header_line() + "\n\n" + exchange_line(1) + "{\"id\":\"x\"}\n");
  CHECK_THAT(read_error(blank.path()), Catch::Matchers::Contains(":line 5, field id"));

  TempFile field(header_line() + exchange_line(1) +
                 R"({"id":2,"session":"s","t_us":0,"req":{"method":"GET"}})" + "\n");
  CHECK_THAT(read_error(field.path()),
             Catch::Matchers::StartsWith(field.path() + ":line 3, field req.target"));
}

TEST_CASE("a gap line with a malformed count is an InputError naming its line") {
  // Regression (fixed): CaptureReader::next reads a gap's count with j.value("dropped_records", 0), which
  // throws nlohmann's type_error for a non-number (and converts -3 to 2^64-3).
  TempFile file(header_line() + R"({"dropped_records":"many","t_us":0})" + "\n" + exchange_line(1));
  std::string got;
  try {
    CaptureReader r(file.path());
    ids_of(r);
  } catch (const InputError& e) {
    got = e.what();
  } catch (const std::exception& e) {
    got = std::string("not an InputError: ") + e.what();
  }
  CHECK_THAT(got, Catch::Matchers::StartsWith(file.path() + ":line 2"));
}

TEST_CASE("an empty file, a file without the header and a missing file are InputErrors") {
  TempFile empty;
  CHECK_THAT(read_error(empty.path()),
             Catch::Matchers::StartsWith(empty.path() + ":line 1: ") && Catch::Matchers::Contains("empty"));

  TempFile headless(exchange_line(1) + exchange_line(2));
  CHECK_THAT(read_error(headless.path()), Catch::Matchers::StartsWith(headless.path() + ":line 1: ") &&
                                              Catch::Matchers::Contains("not a reprise capture"));

  TempFile not_json("GET / HTTP/1.1\n");
  CHECK_THAT(read_error(not_json.path()), Catch::Matchers::StartsWith(not_json.path() + ":line 1: ") &&
                                              Catch::Matchers::Contains("not JSON"));

  TempFile future(R"({"reprise_capture":9})"
                  "\n");
  CHECK_THAT(read_error(future.path()),
             Catch::Matchers::Contains(":line 1, field reprise_capture: version 9"));

  CHECK_THAT(read_error("/nonexistent-reprise-dir/cap.jsonl"),
             Catch::Matchers::StartsWith("/nonexistent-reprise-dir/cap.jsonl: ") &&
                 Catch::Matchers::Contains("cannot be read"));
}
