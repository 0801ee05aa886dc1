// Response comparison's figures: answers counted per route and field, noise decided at the end
// (by hand or by Diffy's baseline rule), tallies merged and carried through a summary.
#include "compare/DiffTally.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "InputError.hpp"

using reprise::InputError;
using reprise::compare::Difference;
using reprise::compare::DiffTally;
using reprise::metrics::RouteKey;
using Kind = Difference::Kind;
using Diffs = std::vector<Difference>;

namespace {

Difference value(std::string field, std::string rec = "1", std::string live = "2") {
  return {std::move(field), Kind::value, std::move(rec), std::move(live)};
}

Difference missing(std::string field) { return {std::move(field), Kind::missing, "1", "absent"}; }

// "field count" of each reported field, most answers first.
std::vector<std::string> reported(const DiffTally& t, size_t route) {
  std::vector<std::string> out;
  for (const auto* f : t.result(route).fields) out.push_back(f->field + " " + std::to_string(f->count));
  return out;
}

std::vector<std::string> noise(const DiffTally& t, size_t route) {
  std::vector<std::string> out;
  for (const auto* f : t.result(route).noise) out.push_back(f->field + " " + std::to_string(f->count));
  return out;
}

using Fields = std::vector<std::string>;

void count(DiffTally& t, size_t route, int answers, const Diffs& diffs) {
  for (int i = 0; i < answers; ++i) t.count(route, diffs);
}

void count_baseline(DiffTally& t, size_t route, int answers, const Diffs& diffs) {
  for (int i = 0; i < answers; ++i) t.count_baseline(route, diffs);
}

// Routes by key, numbered as they come, for add_json.
struct RouteIndex {
  std::map<RouteKey, size_t> known;
  size_t operator()(const RouteKey& k) { return known.try_emplace(k, known.size()).first->second; }
};

// Everything result() shows of a route, as text, for comparing two tallies.
std::string shown(const DiffTally& t, size_t route) {
  const auto r = t.result(route);
  std::string out =
      std::to_string(r.compared) + "/" + std::to_string(r.identical) + "/" + std::to_string(r.differing);
  for (const auto* f : r.fields)
    out += "; " + f->field + " " + f->kind + " " + std::to_string(f->count) + " " +
           std::to_string(f->baseline) + " " + f->recorded + " " + f->live;
  for (const auto* f : r.noise) out += "; noise " + f->field + " " + f->kind + " " + std::to_string(f->count);
  return out;
}

}  // namespace

TEST_CASE("diff tally: answers compared, identical and differing, fields by count", "[compare][tally]") {
  DiffTally t;
  CHECK(t.empty());
  count(t, 0, 2, {});
  t.count(0, {value("$.a", "1", "2")});
  t.count(0, {value("$.a", "3", "4"), missing("$.b")});
  t.count(0, {missing("$.b")});
  t.count(0, {missing("$.b"), {"status", Kind::status, "200", "500"}});
  CHECK_FALSE(t.empty());
  CHECK(t.routes() == 1);
  CHECK(t.compared(0) == 6);

  const auto r = t.result(0);
  CHECK(r.compared == 6);
  CHECK(r.identical == 2);
  CHECK(r.differing == 4);
  CHECK(reported(t, 0) == Fields{"$.b 3", "$.a 2", "status 1"});
  CHECK(r.noise.empty());
  // The first example is kept.
  const auto* a = r.fields[1];
  CHECK(a->recorded == "1");
  CHECK(a->live == "2");
  CHECK(a->kind == "value");
  CHECK(r.fields[0]->kind == "missing");
}

TEST_CASE("diff tally: routes are counted apart; a route never counted shows nothing", "[compare][tally]") {
  DiffTally t;
  t.count(2, {value("$.x")});
  t.count(0, {});
  CHECK(t.routes() == 3);
  CHECK(t.result(0).identical == 1);
  CHECK(t.result(1).compared == 0);
  CHECK(t.result(2).differing == 1);
  CHECK(t.result(7).compared == 0);
  CHECK(t.compared(7) == 0);
  CHECK(t.differing(7, "") == 0);
}

TEST_CASE("diff tally: a field met twice in one answer counts that answer once", "[compare][tally]") {
  DiffTally t;
  t.count(0, {missing("$.items[*].b"), missing("$.items[*].b"), missing("$.items[*].b")});
  t.count(0, {missing("$.items[*].b")});
  CHECK(reported(t, 0) == Fields{"$.items[*].b 2"});
  CHECK(t.result(0).differing == 2);
  CHECK(t.differing(0, "$.items[*].b") == 2);
}

TEST_CASE("diff tally: a field marked noise leaves the answers it alone made differ identical",
          "[compare][tally]") {
  DiffTally t;
  count(t, 0, 3, {value("$.t")});
  count(t, 0, 2, {value("$.t"), value("$.x")});
  count(t, 0, 1, {});
  t.mark_noise(0, "$.t");
  t.mark_noise(5, "$.t");  // a route never counted: nothing to mark
  const auto r = t.result(0);
  CHECK(r.compared == 6);
  CHECK(r.identical == 4);
  CHECK(r.differing == 2);
  CHECK(reported(t, 0) == Fields{"$.x 2"});
  CHECK(noise(t, 0) == Fields{"$.t 5"});
  CHECK(t.differing(0, "$.t") == 0);
  CHECK(t.differing(0, "$.x") == 2);
}

TEST_CASE("diff tally: the baseline rule calls a field the baseline differs on as often noise",
          "[compare][tally]") {
  DiffTally t;
  // Route 0: a random field both instances differ on, and a real change only the target shows.
  count(t, 0, 100, {value("$.random"), value("$.real")});
  count_baseline(t, 0, 100, {value("$.random")});
  // Route 1: only the random field.
  count(t, 1, 50, {value("$.nonce")});
  count_baseline(t, 1, 50, {value("$.nonce")});
  // Route 2: no baseline: nothing is decided.
  count(t, 2, 10, {value("$.random")});
  t.apply_baseline();

  CHECK(reported(t, 0) == Fields{"$.real 100"});
  CHECK(noise(t, 0) == Fields{"$.random 100"});
  CHECK(t.result(0).differing == 100);
  CHECK(t.result(0).fields[0]->baseline == 0);
  CHECK(t.result(0).noise[0]->baseline == 100);

  CHECK(t.result(1).identical == 50);
  CHECK(t.result(1).differing == 0);
  CHECK(reported(t, 2) == Fields{"$.random 10"});
}

TEST_CASE("diff tally: the baseline rule's margins, 3 points and a fifth of the baseline's rate",
          "[compare][tally]") {
  // target 50 %, baseline 40 %: 10 points > 8 → reported; target 45 %: 5 points ≤ 8 → noise;
  // target 6 %, baseline 0 %: 6 points > 3 → reported; target 2 %: ≤ 3 → noise.
  DiffTally t;
  for (int i = 0; i < 100; ++i) {
    Diffs d;
    if (i < 50) d.push_back(value("$.fifty"));
    if (i < 45) d.push_back(value("$.fortyfive"));
    if (i < 6) d.push_back(value("$.six"));
    if (i < 2) d.push_back(value("$.two"));
    t.count(0, d);
    Diffs b;
    if (i < 40) b = {value("$.fifty"), value("$.fortyfive")};
    t.count_baseline(0, b);
  }
  t.apply_baseline();
  CHECK(reported(t, 0) == Fields{"$.fifty 50", "$.six 6"});
  CHECK(noise(t, 0) == Fields{"$.fortyfive 45", "$.two 2"});
}

TEST_CASE("diff tally: answers that differed on a reported field, by name or on any", "[compare][tally]") {
  DiffTally t;
  count(t, 0, 4, {value("$.a")});
  count(t, 0, 3, {value("$.a"), missing("$.b")});
  count(t, 0, 2, {missing("$.b")});
  count(t, 0, 5, {});
  CHECK(t.differing(0, "$.a") == 7);
  CHECK(t.differing(0, "$.b") == 5);
  CHECK(t.differing(0, "") == 9);
  CHECK(t.differing(0, "$.c") == 0);
  t.mark_noise(0, "$.a");
  CHECK(t.differing(0, "$.a") == 0);
  CHECK(t.differing(0, "") == 5);
}

TEST_CASE("diff tally: merged tallies add up, route by route", "[compare][tally]") {
  DiffTally a, b;
  count(a, 0, 3, {value("$.x", "a1", "a2")});
  count(a, 0, 1, {});
  count(b, 0, 2, {value("$.y")});
  count(b, 0, 2, {value("$.x", "b1", "b2")});
  count(b, 1, 5, {});
  a.merge(b);
  CHECK(a.routes() == 2);
  CHECK(a.result(0).compared == 8);
  CHECK(a.result(0).identical == 1);
  CHECK(a.result(0).differing == 7);
  CHECK(reported(a, 0) == Fields{"$.x 5", "$.y 2"});
  CHECK(a.result(0).fields[0]->recorded == "a1");  // the first example stays
  CHECK(a.result(1).identical == 5);

  // The answers' sets of fields follow the merge: noise decided later applies to b's answers too.
  a.mark_noise(0, "$.x");
  CHECK(a.result(0).identical == 6);
  CHECK(a.result(0).differing == 2);
}

TEST_CASE("diff tally: merged through an index map, routes land where it says", "[compare][tally]") {
  DiffTally a, b;
  count(a, 0, 1, {value("$.a")});
  count(b, 0, 2, {value("$.b")});
  count(b, 1, 3, {});
  a.merge(b, [](size_t r) { return r == 0 ? size_t{2} : size_t{0}; });
  CHECK(a.routes() == 3);
  CHECK(a.result(0).compared == 4);
  CHECK(a.result(0).differing == 1);
  CHECK(a.result(1).compared == 0);
  CHECK(reported(a, 2) == Fields{"$.b 2"});
}

TEST_CASE("diff tally: merged baselines and noise marks are kept", "[compare][tally]") {
  DiffTally a, b;
  count(a, 0, 10, {value("$.r")});
  count_baseline(a, 0, 10, {value("$.r")});
  count(b, 0, 10, {value("$.r")});
  count_baseline(b, 0, 10, {value("$.r")});
  b.mark_noise(0, "$.r");
  a.merge(b);
  CHECK(noise(a, 0) == Fields{"$.r 20"});
  CHECK(a.result(0).noise[0]->baseline == 20);
  CHECK(a.result(0).identical == 20);
}

TEST_CASE("diff tally: fields of one name and different kinds stay apart", "[compare][tally]") {
  DiffTally one;
  one.count(0, {value("$.a")});
  one.count(0, {missing("$.a")});
  CHECK(reported(one, 0) == Fields{"$.a 1", "$.a 1"});

  SECTION("through merge") {
    DiffTally a, b;
    a.count(0, {value("$.a")});
    b.count(0, {missing("$.a")});
    a.merge(b);
    const auto r = a.result(0);
    REQUIRE(r.fields.size() == 2);
    CHECK(r.fields[0]->kind == "value");
    CHECK(r.fields[0]->count == 1);
    CHECK(r.fields[1]->kind == "missing");
    CHECK(r.fields[1]->count == 1);
  }
  SECTION("through a summary") {
    const std::vector<RouteKey> keys{{"GetItem", "GET"}};
    DiffTally back;
    RouteIndex index;
    back.add_json(nlohmann::json::parse(one.to_json(keys).dump()), std::ref(index), "summary.json");
    CHECK(shown(back, 0) == shown(one, 0));
  }
}

TEST_CASE("diff tally: to_json then add_json gives the same result", "[compare][tally]") {
  DiffTally t;
  count(t, 0, 3, {value("$.messages[*].content", "\"hi\"", "\"yo\"")});
  count(t, 0, 2,
        {value("$.messages[*].content"), {"header x-trace", Kind::header_missing, "present", "absent"}});
  count(t, 0, 4, {});
  count(t, 1, 5, {{"status", Kind::status, "200", "500"}});
  count(t, 1, 5, {value("$.nonce")});
  count_baseline(t, 1, 5, {value("$.nonce")});
  t.mark_noise(0, "header x-trace");
  t.apply_baseline();
  const std::vector<RouteKey> keys{{"GetRoom", "GET"}, {"SendMessage", "POST"}};

  const auto j = t.to_json(keys);
  REQUIRE(j["routes"].size() == 2);
  CHECK(j["routes"][0]["name"] == "GetRoom");
  CHECK(j["routes"][0]["method"] == "GET");
  CHECK(j["routes"][0]["compared"] == 9);
  CHECK(j["routes"][0]["identical"] == 4);
  CHECK(j["routes"][0]["differing"] == 5);
  CHECK(j["routes"][1]["baseline_compared"] == 5);

  DiffTally back;
  RouteIndex index;
  back.add_json(nlohmann::json::parse(j.dump()), std::ref(index), "summary.json");
  REQUIRE(back.routes() == 2);
  CHECK(shown(back, 0) == shown(t, 0));
  CHECK(shown(back, 1) == shown(t, 1));
  CHECK(back.differing(0, "$.messages[*].content") == 5);
  CHECK(back.differing(0, "header x-trace") == 0);

  // A second summary adds up.
  back.add_json(nlohmann::json::parse(j.dump()), std::ref(index), "summary2.json");
  CHECK(back.result(0).compared == 18);
  CHECK(back.result(0).identical == 8);
  CHECK(reported(back, 0) == Fields{"$.messages[*].content 10"});
}

TEST_CASE("diff tally: a route with no name in the keys is not written", "[compare][tally]") {
  DiffTally t;
  t.count(0, {});
  t.count(1, {});
  const auto j = t.to_json({{"Only", "GET"}});
  CHECK(j["routes"].size() == 1);
}

TEST_CASE("diff tally: a malformed summary block is an InputError naming the file", "[compare][tally]") {
  const auto good = nlohmann::json::parse(R"({"routes": [{"name": "R", "method": "GET", "compared": 2,
      "fields": [{"field": "$.a", "kind": "value", "count": 1}], "answers": [[[0], 1], [[], 1]]}]})");
  {
    DiffTally t;
    RouteIndex index;
    t.add_json(good, std::ref(index), "good.json");
    CHECK(t.result(0).differing == 1);
    CHECK(t.result(0).identical == 1);
  }
  const std::vector<std::string> malformed = {
      R"({})",
      R"({"routes": 5})",
      R"({"routes": [{"method": "GET", "compared": 1, "fields": [], "answers": []}]})",
      R"({"routes": [{"name": "R", "method": "GET", "fields": [], "answers": []}]})",
      R"({"routes": [{"name": "R", "method": "GET", "compared": "many", "fields": [], "answers": []}]})",
      R"({"routes": [{"name": "R", "method": "GET", "compared": 1, "fields": [{"kind": "value", "count": 1}],
          "answers": []}]})",
      R"({"routes": [{"name": "R", "method": "GET", "compared": 1, "fields": [], "answers": [[[0], 1]]}]})",
      R"({"routes": [{"name": "R", "method": "GET", "compared": 1, "fields": [], "answers": [["x", 1]]}]})",
      R"({"routes": [{"name": "R", "method": "GET", "compared": 1, "fields": []}]})",
  };
  for (const auto& text : malformed) {
    INFO(text);
    DiffTally t;
    RouteIndex index;
    try {
      t.add_json(nlohmann::json::parse(text), std::ref(index), "run-3/summary.json");
      FAIL_CHECK("no InputError");
    } catch (const InputError& e) {
      CHECK(e.file() == "run-3/summary.json");
      CHECK_THAT(e.what(), Catch::Contains("run-3/summary.json"));
    }
  }
}

TEST_CASE("diff tally: a negative count in a summary is malformed", "[compare][tally]") {
  DiffTally t;
  RouteIndex index;
  CHECK_THROWS_AS(
      t.add_json(nlohmann::json::parse(R"({"routes": [{"name": "R", "method": "GET", "compared": -1,
                      "fields": [], "answers": []}]})"),
                 std::ref(index), "summary.json"),
      InputError);
}

TEST_CASE("diff tally: past kMaxFields, answers still count under some field", "[compare][tally]") {
  DiffTally t;
  const size_t n = DiffTally::kMaxFields + 1;
  for (size_t i = 0; i < n; ++i) t.count(0, {value("$.f" + std::to_string(i))});
  const auto r = t.result(0);
  CHECK(r.differing == n);
  CHECK(r.fields.size() <= DiffTally::kMaxFields);
  uint64_t counted = 0;
  for (const auto* f : r.fields) counted += f->count;
  CHECK(counted == n);  // each answer differed on exactly one field
  bool more = false;
  for (const auto* f : r.fields) {
    if (f->field != "(more fields)") continue;
    more = true;
    CHECK(f->count == t.differing(0, "(more fields)"));
  }
  CHECK(more);
  CHECK(std::any_of(r.fields.begin(), r.fields.end(),
                    [](const auto* f) { return f->field == "$.f0" && f->count == 1; }));
}
