#include "capture/JsonRewrite.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using reprise::capture::JsonRewrite;
using reprise::capture::looks_like_json;
using reprise::capture::rewrite_json;

namespace {

// Chooses the values under `name`; each becomes "<" + its text + ">". Paths seen are kept.
struct Recording {
  std::vector<std::string> paths;
  std::string rewrite(std::string text, const std::string& name) {
    JsonRewrite r{[&](const std::vector<std::string>& path, const std::string& key) {
                    std::string p;
                    for (const auto& step : path) p += step + "/";
                    paths.push_back(p + key);
                    return key == name ? std::string("chosen") : std::string();
                  },
                  [](const std::string& value, const std::string&) { return "<" + value + ">"; }};
    rewrite_json(text, r);
    return text;
  }
};

std::string rewrite(const std::string& text, const std::string& name) {
  return Recording().rewrite(text, name);
}

}  // namespace

TEST_CASE("a chosen value of any type becomes a string; the rest is kept byte for byte") {
  CHECK(rewrite(R"({ "a" : "x\"y" , "b":1})", "a") == R"({ "a" : "<x\"y>" , "b":1})");
  CHECK(rewrite(R"({"a":-1.5e3,"b":true})", "a") == R"({"a":"<-1.5e3>","b":true})");
  CHECK(rewrite(R"({"a":true})", "a") == R"({"a":"<true>"})");
  CHECK(rewrite(R"({"a":{"s":"}]\"{","n":[1,{"x":2}]},"b":2})", "a") ==
        R"({"a":"<{"s":"}]\"{","n":[1,{"x":2}]}>","b":2})");
  CHECK(rewrite("{\"a\":\n  [1, 2]\n}", "a") == "{\"a\":\n  \"<[1, 2]>\"\n}");
  CHECK(rewrite(R"({"a":null,"b":{ },"c":[]})", "a") == R"({"a":null,"b":{ },"c":[]})");
}

TEST_CASE("paths name the keys that lead to each key: arrays are [, objects without a key \"\"") {
  Recording rec;
  rec.rewrite(R"({"a":{"b":[{"c":1},{"d":2}]},"e":3})", "");
  CHECK(rec.paths == std::vector<std::string>{"/a", "/a/b", "/a/[//c", "/a/[//d", "/e"});
}

TEST_CASE("text cut short is rewritten up to where it stops") {
  CHECK(rewrite(R"({"a":"abc)", "a") == R"({"a":"<abc>")");
  CHECK(rewrite(R"({"a":12)", "a") == R"({"a":"<12>")");
  CHECK(rewrite(R"({"a":{"b":"c)", "a") == R"({"a":"<{"b":"c>")");
  CHECK(rewrite(R"({"x":"abc)", "a") == R"({"x":"abc)");
  CHECK(rewrite(R"({"a":)", "a") == R"({"a":)");
  CHECK(rewrite(R"({"a)", "a") == R"({"a)");
}

TEST_CASE("looks_like_json: an object or an array first") {
  CHECK(looks_like_json(" \n{"));
  CHECK(looks_like_json("[DONE]"));
  CHECK_FALSE(looks_like_json("token=1"));
  CHECK_FALSE(looks_like_json("  "));
}
