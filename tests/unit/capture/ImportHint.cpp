#include "capture/ImportHint.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>

using reprise::capture::foreign_file;
using reprise::capture::import_hint_by_name;

namespace {

std::optional<std::string> sniff(const std::string& path, const std::string& bytes) {
  std::istringstream in(bytes);
  auto what = foreign_file(path, in);
  std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(rest == bytes);  // the stream is left at its start
  return what;
}

}  // namespace

TEST_CASE("pcap and pcapng are known by their magic numbers", "[capture]") {
  CHECK(sniff("t.pcap", std::string("\xd4\xc3\xb2\xa1\x02\x00\x04\x00", 8)) ==
        "t.pcap is a pcap file, not a capture; run 'reprise import pcap t.pcap -o t.jsonl' first");
  CHECK(sniff("dir.v2/t", std::string("\xa1\xb2\x3c\x4d", 4)) ==
        "dir.v2/t is a pcap file, not a capture; run 'reprise import pcap dir.v2/t -o dir.v2/t.jsonl' first");
  CHECK(sniff("t.PCAPNG", std::string("\x0a\x0d\x0d\x0a\x1c\0\0\0", 8)) ==
        "t.PCAPNG is a pcapng file, not a capture; run 'reprise import pcap t.PCAPNG -o t.jsonl' first");
  CHECK_FALSE(sniff("t.pcap", "\xd4\xc3"));  // too short to say
}

TEST_CASE("a HAR is a JSON object with a top-level log", "[capture]") {
  const std::string har = "{\n  \"log\": {\n    \"version\": \"1.2\",\n    \"entries\": []\n  }\n}\n";
  CHECK(sniff("s.har", har) ==
        "s.har is a HAR file, not a capture; run 'reprise import har s.har -o s.jsonl' first");
  CHECK(sniff("s.json", R"({"comment": {"log": 1}, "log": {}})") ==
        "s.json is a HAR file, not a capture; run 'reprise import har s.json -o s.jsonl' first");
  CHECK_FALSE(sniff("c.jsonl", "{\"format\":\"reprise-capture\",\"version\":1}\n{\"log\":2}\n"));
  CHECK_FALSE(sniff("c.jsonl", "{\"a\": {\"log\": 1}}"));
  CHECK_FALSE(sniff("c.jsonl", "[{\"log\": 1}]"));
  CHECK_FALSE(sniff("c.jsonl", "not json"));
  CHECK_FALSE(sniff("c.jsonl", ""));
}

TEST_CASE("the name alone gives a softer hint", "[capture]") {
  CHECK(import_hint_by_name("x.har") ==
        "; if it is a HAR file, run 'reprise import har x.har -o x.jsonl' first");
  CHECK(import_hint_by_name("x.cap") ==
        "; if it is a packet capture, run 'reprise import pcap x.cap -o x.jsonl' first");
  CHECK(import_hint_by_name("x.jsonl").empty());
  CHECK(import_hint_by_name("har").empty());
}
