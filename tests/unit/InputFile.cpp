#include "InputFile.hpp"

#include <catch2/catch.hpp>

#include "InputError.hpp"
#include "TempFile.hpp"

using reprise::check_readable;
using reprise::InputError;
using reprise::open_input_file;
using reprise::test::TempFile;

TEST_CASE("an input file that cannot be read says why", "[input]") {
  CHECK_THROWS_MATCHES(
      open_input_file("/nonexistent-reprise/x.json"), InputError,
      Catch::Matchers::Message("/nonexistent-reprise/x.json: cannot be read: No such file or directory"));
  CHECK_THROWS_MATCHES(check_readable("/tmp"), InputError,
                       Catch::Matchers::Message("/tmp: cannot be read: Is a directory"));
  TempFile file("{}\n");
  CHECK_NOTHROW(check_readable(file.path()));
  auto in = open_input_file(file.path());
  std::string line;
  CHECK(std::getline(in, line));
  CHECK(line == "{}");
}
