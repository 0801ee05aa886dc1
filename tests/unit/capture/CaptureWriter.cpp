#include "capture/CaptureWriter.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "FileSizeLimit.hpp"
#include "InputError.hpp"
#include "TempFile.hpp"
#include "capture/CaptureFormat.hpp"
#include "capture/CaptureReader.hpp"

using reprise::RuntimeFailure;
using reprise::capture::append_gap_line;
using reprise::capture::append_line;
using reprise::capture::CaptureHeader;
using reprise::capture::CaptureReader;
using reprise::capture::CaptureWriter;
using reprise::capture::Exchange;
using reprise::test::FileSizeLimit;
using reprise::test::TempFile;

namespace {

CaptureHeader header() {
  CaptureHeader h;
  h.created = "2026-11-25T13:00:00Z";
  h.source = "proxy";
  h.upstream = "http://127.0.0.1:9";
  h.body_limit = 1024;
  return h;
}

Exchange exchange(uint64_t id, const std::string& target) {
  Exchange x;
  x.id = id;
  x.session = std::string("c").append(std::to_string(id));
  x.t_us = static_cast<int64_t>(id) * 10;
  x.req.method = "GET";
  x.req.target = target;
  x.req.headers = {{"Host", "h"}};
  return x;
}

std::string runtime_failure(const std::string& path) {
  try {
    CaptureWriter w(path, header());
  } catch (const RuntimeFailure& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the writer puts the header first and then exactly the lines it is given") {
  TempFile file;
  std::string lines;
  append_line(lines, exchange(1, "/one"));
  append_gap_line(lines, 4, 99);
  append_line(lines, exchange(2, "/two"));
  {
    CaptureWriter w(file.path(), header());
    CHECK(w.path() == file.path());
    REQUIRE(w.write(lines));
    CHECK(w.write(""));
    CHECK(w.error().empty());
  }
  std::string expected;
  append_line(expected, header());
  expected += lines;
  CHECK(file.read() == expected);

  CaptureReader r(file.path());
  CHECK(r.header().upstream == "http://127.0.0.1:9");
  CHECK(r.header().body_limit == 1024);
  Exchange x;
  REQUIRE(r.next(x));
  CHECK(x.req.target == "/one");
  REQUIRE(r.next(x));
  CHECK(x.req.target == "/two");
  CHECK(x.id == 2);
  CHECK_FALSE(r.next(x));
  CHECK(r.dropped() == 4);
  CHECK_FALSE(r.tail_cut());
}

TEST_CASE("the writer truncates a file that was there before") {
  TempFile file(std::string(5000, 'x') + "\n");
  { CaptureWriter w(file.path(), header()); }
  std::string expected;
  append_line(expected, header());
  CHECK(file.read() == expected);
}

TEST_CASE("a path the writer cannot create is a RuntimeFailure naming the path and the cause") {
  CHECK_THAT(runtime_failure("/nonexistent-reprise-dir/cap.jsonl"),
             Catch::Matchers::Contains("/nonexistent-reprise-dir/cap.jsonl") &&
                 Catch::Matchers::Contains("No such file or directory"));
  CHECK_THAT(runtime_failure("/tmp"),
             Catch::Matchers::Contains("/tmp") && Catch::Matchers::Contains("directory"));
}

TEST_CASE("a file that takes no bytes at all fails on the header: /dev/full") {
  CHECK_THAT(runtime_failure("/dev/full"),
             Catch::Matchers::Contains("/dev/full") && Catch::Matchers::Contains("No space left on device"));
}

TEST_CASE("a write the file cannot take returns false and error() names the cause") {
  TempFile file;
  CaptureWriter w(file.path(), header());
  size_t header_size = file.read().size();
  std::string lines;
  for (uint64_t i = 1; i <= 20; ++i) append_line(lines, exchange(i, "/x"));
  {
    FileSizeLimit limit(header_size + 100);
    CHECK_FALSE(w.write(lines));
  }
  CHECK_THAT(w.error(), Catch::Matchers::Contains("File too large"));
  // What fitted is on disk (the header and the start of the lines), nothing more.
  CHECK(file.read().size() == header_size + 100);
}
