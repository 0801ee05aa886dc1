#include "JsonFile.hpp"

#include <catch2/catch.hpp>

#include "InputError.hpp"
#include "TempFile.hpp"

using reprise::InputError;
using reprise::parse_json;
using reprise::read_json_file;
using reprise::test::TempFile;

TEST_CASE("parse_json: JSON, or nlohmann's reason without its tag", "[input]") {
  nlohmann::json j;
  std::string why;
  CHECK(parse_json(R"({"a": [1, 2.5]})", j, why));
  CHECK(j["a"][1] == 2.5);
  CHECK_FALSE(parse_json("{", j, why));
  CHECK(why.starts_with("parse error at line 1, column 2: "));
  // a number no double holds is nlohmann's out_of_range, not a parse_error: still a reason
  CHECK_FALSE(parse_json(R"({"status": 1e999})", j, why));
  CHECK(why == "number overflow parsing '1e999'");
}

TEST_CASE("read_json_file: each way a file is not JSON is one line naming it", "[input]") {
  TempFile cut("{\"a\":\n");
  CHECK_THROWS_WITH(read_json_file(cut.path()),
                    Catch::Matchers::StartsWith(cut.path() + ": is not JSON: parse error at line 2"));
  TempFile huge("[-1e999]");
  CHECK_THROWS_MATCHES(
      read_json_file(huge.path()), InputError,
      Catch::Matchers::Message(huge.path() + ": is not JSON: number overflow parsing '-1e999'"));
}
