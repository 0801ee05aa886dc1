#include "capture/Recorder.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "FileSizeLimit.hpp"
#include "InputError.hpp"
#include "TempFile.hpp"
#include "capture/CaptureReader.hpp"

using reprise::RuntimeFailure;
using reprise::capture::CaptureReader;
using reprise::capture::Exchange;
using reprise::capture::Recorder;
using reprise::capture::RecorderConfig;
using reprise::test::FileSizeLimit;
using reprise::test::TempFile;
using namespace std::chrono_literals;

namespace {

RecorderConfig config_for(const TempFile& file) {
  RecorderConfig c;
  c.path = file.path();
  c.upstream = "http://127.0.0.1:9";
  c.body_limit = 4096;
  return c;
}

// An exchange carrying a secret: producer p's i-th, with target /p/i.
std::unique_ptr<Exchange> exchange(int producer, int i) {
  auto x = std::make_unique<Exchange>();
  x->session = "c" + std::to_string(producer);
  x->t_us = i;
  x->req.method = "GET";
  x->req.target = "/" + std::to_string(producer) + "/" + std::to_string(i);
  x->req.headers = {{"Authorization", "Bearer secret-" + std::to_string(producer) + "-" + std::to_string(i)}};
  x->res.emplace();
  x->res->status = 200;
  x->res->dur_us = 10;
  return x;
}

std::vector<Exchange> read_all(const std::string& path) {
  CaptureReader r(path);
  std::vector<Exchange> out;
  Exchange x;
  while (r.next(x)) out.push_back(x);
  return out;
}

}  // namespace

TEST_CASE("records from two producer threads are all written, numbered 1..N, and redacted") {
  TempFile file;
  constexpr int kEach = 300;
  {
    Recorder rec(config_for(file), 2);
    CHECK(rec.recording());
    CHECK(rec.request_body_limit() == 4096);
    std::vector<std::thread> producers;
    for (int p = 0; p < 2; ++p)
      producers.emplace_back([&rec, p] {
        for (int i = 0; i < kEach; ++i) rec.submit(p, exchange(p, i));
      });
    for (auto& t : producers) t.join();
    rec.stop();
    CHECK(rec.written() == 2 * kEach);
    CHECK(rec.dropped() == 0);
    rec.stop();  // a second stop is harmless
  }
  CaptureReader r(file.path());
  CHECK(r.header().source == "proxy");
  CHECK(r.header().upstream == "http://127.0.0.1:9");
  CHECK(r.header().redaction == "default");
  CHECK(r.header().body_limit == 4096);
  std::set<std::string> targets;
  uint64_t expected_id = 1;
  Exchange x;
  while (r.next(x)) {
    CHECK(x.id == expected_id++);
    targets.insert(x.req.target);
    REQUIRE(x.req.headers.size() == 1);
    CHECK_THAT(x.req.headers[0].second, Catch::Matchers::Matches(R"(Bearer \{\{redacted:\d+\}\})"));
  }
  CHECK(expected_id == 2 * kEach + 1);
  CHECK(targets.size() == 2 * kEach);
  CHECK(targets.count("/0/0") == 1);
  CHECK(targets.count("/1/299") == 1);
  CHECK(r.dropped() == 0);
  CHECK_FALSE(r.tail_cut());
}

TEST_CASE("with redact off the secrets are written as they are and the header says none") {
  TempFile file;
  auto c = config_for(file);
  c.redact = false;
  {
    Recorder rec(c, 1);
    rec.submit(0, exchange(0, 7));
  }  // the destructor stops and writes
  CaptureReader r(file.path());
  CHECK(r.header().redaction == "none");
  Exchange x;
  REQUIRE(r.next(x));
  CHECK(x.req.headers.at(0).second == "Bearer secret-0-7");
  CHECK(x.id == 1);
  CHECK_FALSE(r.next(x));
}

TEST_CASE("a rules file added to the defaults is named in the header") {
  TempFile file;
  auto c = config_for(file);
  c.custom_rules = true;
  c.rules.headers.push_back("X-Api-Key");
  {
    Recorder rec(c, 1);
    auto x = exchange(0, 1);
    x->req.headers.emplace_back("X-Api-Key", "K");
    rec.submit(0, std::move(x));
  }
  CaptureReader r(file.path());
  CHECK(r.header().redaction == "default+rules");
  Exchange x;
  REQUIRE(r.next(x));
  CHECK(x.req.headers.at(1).second == "{{redacted:2}}");
}

TEST_CASE("a record is on disk within a second without stop()") {
  TempFile file;
  Recorder rec(config_for(file), 1);
  rec.submit(0, exchange(0, 1));
  auto deadline = std::chrono::steady_clock::now() + 1s;  // the promise is 200 ms
  size_t records = 0;
  while (records == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    records = read_all(file.path()).size();
  }
  CHECK(records == 1);
}

TEST_CASE("a full queue drops records, counts them, and says so in gap lines") {
  TempFile file;
  auto c = config_for(file);
  c.queue_capacity = 4;
  constexpr uint64_t kSubmitted = 2000;
  uint64_t written = 0, dropped = 0;
  {
    Recorder rec(c, 1);
    // A burst far faster than the writer's 10 ms wake-ups: the 4-slot queue overflows.
    for (uint64_t i = 0; i < kSubmitted; ++i) rec.submit(0, exchange(0, static_cast<int>(i)));
    rec.stop();
    written = rec.written();
    dropped = rec.dropped();
  }
  CHECK(dropped > 0);
  CHECK(written > 0);
  CHECK(written + dropped == kSubmitted);

  CaptureReader r(file.path());
  uint64_t records = 0;
  Exchange x;
  while (r.next(x)) CHECK(x.id == ++records);
  CHECK(records == written);
  CHECK(r.dropped() == dropped);
  CHECK_FALSE(r.tail_cut());
}

TEST_CASE("a capture path that cannot be created is a RuntimeFailure") {
  RecorderConfig c;
  c.path = "/nonexistent-reprise-dir/cap.jsonl";
  CHECK_THROWS_AS(Recorder(c, 1), RuntimeFailure);
  c.path = "/dev/full";  // opens, but takes no header
  CHECK_THROWS_AS(Recorder(c, 1), RuntimeFailure);
}

TEST_CASE("a file that stops taking writes stops the recording, and nothing is counted as written") {
  // The file's size limit is lowered after the header is written, so that the writer's first
  // write fails (EFBIG) at a point the test chooses; flush_every is long so that the only write
  // is the one stop() makes.
  TempFile file;
  auto c = config_for(file);
  c.flush_every = 10min;
  c.redact = false;
  Recorder rec(c, 1);
  size_t header_size = file.read().size();
  {
    FileSizeLimit limit(header_size + 50);
    for (int i = 0; i < 10; ++i) rec.submit(0, exchange(0, i));
    rec.stop();
  }
  CHECK_FALSE(rec.recording());
  // Records submitted after the failure are refused without blocking or crashing.
  rec.submit(0, exchange(0, 99));

  CaptureReader r(file.path());
  uint64_t on_disk = 0;
  Exchange x;
  while (r.next(x)) ++on_disk;
  CHECK(on_disk == 0);
  CHECK(r.tail_cut());  // the 50 bytes that fitted: the start of the first line
  // Regression (fixed): Recorder::run adds a pass's records to written_ before the write that fails, so after
  // a failed write written() (and the "N exchanges written" log line of stop()) counts records that never
  // reached the file, and they are not counted as dropped either.
  CHECK(rec.written() == on_disk);
}

// Not tested here: the order of records within one writer pass (by the time each exchange
// ended). Which records share a pass depends on when the writer thread wakes, which a test
// cannot choose without a hook in Recorder; the integration tests check the order end to end.
