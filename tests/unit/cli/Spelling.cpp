#include "cli/Spelling.hpp"

#include <catch2/catch.hpp>

using reprise::cli::closest_name;
using reprise::cli::edit_distance;

TEST_CASE("edit distance counts insertions, deletions, substitutions and neighbour swaps", "[cli]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("replay", "replay") == 0);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("replya", "replay") == 1);  // one swap
  CHECK(edit_distance("targt", "target") == 1);   // one insertion
  CHECK(edit_distance("listenn", "listen") == 1);
  CHECK(edit_distance("spead", "speed") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("ca", "abc") == 3);  // optimal string alignment: no edits inside a swap
}

TEST_CASE("the closest name is suggested only when close", "[cli]") {
  const std::vector<std::string> commands = {"proxy",  "upstream-demo", "demo",   "import", "inspect",
                                             "export", "record",        "replay", "merge",  "drill"};
  CHECK(closest_name("replya", commands) == "replay");
  CHECK(closest_name("inpsect", commands) == "inspect");
  CHECK(closest_name("upstream_demo", commands) == "upstream-demo");
  CHECK(closest_name("prxy", commands) == "proxy");
  CHECK(closest_name("demoo", commands) == "demo");
  CHECK_FALSE(closest_name("xyzzy", commands));
  CHECK_FALSE(closest_name("x", commands));
  CHECK_FALSE(closest_name("", commands));

  const std::vector<std::string> flags = {
      "help", "target", "profile", "threads", "request-timeout", "connect-timeout", "o"};
  CHECK(closest_name("targt", flags) == "target");
  CHECK(closest_name("thread", flags) == "threads");
  CHECK(closest_name("request", flags) == "request-timeout");  // the only name it begins
  CHECK(closest_name("requets-timeout", flags) == "request-timeout");
  CHECK_FALSE(closest_name("timeout", flags));  // ends two names, begins none
  CHECK_FALSE(closest_name("p", flags));        // one letter: too little to guess from
  CHECK_FALSE(closest_name("frobnicate", flags));
}
