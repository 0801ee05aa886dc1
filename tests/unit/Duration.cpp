#include "Duration.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "InputError.hpp"

using namespace std::chrono_literals;
using reprise::Duration;
using reprise::InputError;
using reprise::parse_duration;

TEST_CASE("durations are read the k6 way") {
  CHECK(parse_duration("500ms", "--timeout") == 500ms);
  CHECK(parse_duration("1s", "--timeout") == 1s);
  CHECK(parse_duration("2m", "--timeout") == 2min);
  CHECK(parse_duration("1h", "--timeout") == 1h);
  CHECK(parse_duration("1h30m", "--timeout") == 90min);
  CHECK(parse_duration("1m30s", "--timeout") == 90s);
  CHECK(parse_duration("1.5s", "--timeout") == 1500ms);
  CHECK(parse_duration("0.25ms", "--timeout") == 250us);
  CHECK(parse_duration("250us", "--timeout") == 250us);
  CHECK(parse_duration("0s", "--timeout") == Duration::zero());
}

TEST_CASE("a bare number is seconds") {
  CHECK(parse_duration("10", "--timeout") == 10s);
  CHECK(parse_duration("0.5", "--timeout") == 500ms);
}

TEST_CASE("bad durations throw InputError naming the flag and the text") {
  const char* bad[] = {"", "abc", "s", "10x", "-1s", "1e3s", "1 s", "1h 30m", "5sec", "ms10"};
  for (const char* text : bad) {
    INFO("text: '" << text << "'");
    try {
      parse_duration(text, "--idle-timeout");
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(e.place() == "--idle-timeout");
      CHECK_THAT(e.what(), Catch::Contains("--idle-timeout"));
      CHECK_THAT(e.what(), Catch::Contains(std::string("'") + text + "'"));
    }
  }
}

// Regression: std::stod once read "1.5.5s" as 1.5s, threw std::invalid_argument for "." and
// overflowed llround into a negative duration for huge values.
TEST_CASE("malformed numbers in a duration are InputError, not another exception or a guess") {
  const char* bad[] = {".", ".s", "1.5.5s", "1..s", "99999999999999999999h"};
  for (const char* text : bad) {
    INFO("text: '" << text << "'");
    CHECK_THROWS_AS(parse_duration(text, "--timeout"), InputError);
  }
}

TEST_CASE("a unitless number is seconds only when it stands alone, as in k6") {
  CHECK(parse_duration("30", "--timeout") == std::chrono::seconds(30));
  CHECK_THROWS_AS(parse_duration("1m30", "--timeout"), InputError);
}
