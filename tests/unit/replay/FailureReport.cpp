#include "replay/FailureReport.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using reprise::replay::ReplayStats;
using reprise::replay::StepNote;

namespace {

StepNote note(std::string label, std::string name, std::string method, int recorded) {
  StepNote n;
  n.label = std::move(label);
  n.route = {std::move(name), std::move(method)};
  n.recorded_status = recorded;
  return n;
}

bool has(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& l : lines)
    if (l.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("failures: the table adds steps up per route, recorded against replayed", "[replay][failures]") {
  std::vector<StepNote> notes = {note("#1 POST /register", "Register", "POST", 201),
                                 note("#2 POST /register", "Register", "POST", 400),
                                 note("#3 GET /me", "Me", "GET", 200)};
  ReplayStats stats;
  stats.count_step(0, 201, 7);
  stats.count_step(0, 400, 3);
  stats.count_step(1, 400, 10);
  stats.count_step(2, 200, 9);
  stats.count_step(2, 0, 1);
  auto rows = reprise::replay::status_table(notes, stats, {});
  REQUIRE(rows.size() == 5);
  CHECK((rows[0].route.name == "Me" && rows[0].recorded == 200 && rows[0].replayed == 0 && rows[0].failed));
  CHECK((rows[1].replayed == 200 && rows[1].count == 9 && !rows[1].failed));
  CHECK((rows[2].route.name == "Register" && rows[2].recorded == 201 && rows[2].replayed == 201 &&
         !rows[2].failed));
  CHECK((rows[3].recorded == 201 && rows[3].replayed == 400 && rows[3].count == 3 && rows[3].failed));
  CHECK((rows[4].recorded == 400 && rows[4].replayed == 400 && rows[4].count == 10 && !rows[4].failed));
  // k6's rule: every 400 fails, the recorded one too
  auto k6 = reprise::replay::status_table(notes, stats, {{200, 399}});
  CHECK(k6[4].failed);
}

TEST_CASE("failures: a conflict names the repeating template, or the fields sent as recorded",
          "[replay][failures]") {
  std::vector<StepNote> notes = {note("#1 POST /register", "Register", "POST", 201),
                                 note("#5 POST /signup", "Signup", "POST", 201)};
  notes[0].identities = {{"email", "user{vu}@t.com"}};
  notes[1].literal_fields = {"phone", "nick"};
  ReplayStats stats;
  stats.count_step(0, 201, 1);
  stats.count_step(0, 400, 99);
  stats.count_step(1, 409, 5);
  auto why = reprise::replay::explain_failures(notes, stats, {});
  REQUIRE(why.size() == 2);
  CHECK(why[0].find(
            "Register POST (#1 POST /register): 99 of 100 answered 400 where the recording had 201") == 0);
  CHECK(has(why, "its identity 'email' comes from the template \"user{vu}@t.com\""));
  CHECK(has(why, "it sends phone, nick as recorded"));
  CHECK(has(why, "\"phone\": \"...{copy}\""));
}

TEST_CASE("failures: a 401 after the login that hands out its token failed names the login",
          "[replay][failures]") {
  std::vector<StepNote> notes = {note("#1 POST /login", "Login", "POST", 200),
                                 note("#2 GET /me", "Me", "GET", 200),
                                 note("#3 GET /old", "Old", "GET", 200)};
  notes[1].inputs = {0};
  notes[2].unresolved_credential = true;
  ReplayStats stats;
  stats.count_step(0, 401, 4);
  stats.count_step(1, 401, 4);
  stats.count_step(2, 403, 2);
  auto why = reprise::replay::explain_failures(notes, stats, {});
  CHECK(has(why,
            "Me GET (#2 GET /me): 4 of 4 answered 401 where the recording had 200: the answer that hands out "
            "a value it sends (#1 POST /login) failed 4 times (4 × 401)"));
  CHECK(has(why,
            "Old GET (#3 GET /old): 2 of 2 answered 403 where the recording had 200: it sends an "
            "Authorization or Cookie value that no answer in the capture handed out"));
  CHECK_FALSE(has(why, "Login POST"));  // a failure with no known cause gets no line
}

TEST_CASE("failures: a few failures among many answers are not a concentration", "[replay][failures]") {
  std::vector<StepNote> notes = {note("#1 POST /register", "Register", "POST", 201)};
  notes[0].literal_fields = {"email"};
  ReplayStats stats;
  stats.count_step(0, 201, 91);
  stats.count_step(0, 400, 9);
  CHECK(reprise::replay::explain_failures(notes, stats, {}).empty());
  stats.count_step(0, 400, 2);  // 11 of 102: a tenth
  CHECK(reprise::replay::explain_failures(notes, stats, {}).size() == 1);
}

TEST_CASE("failures: the summary's steps read back into the same table and explanations",
          "[replay][failures]") {
  std::vector<StepNote> notes = {note("#1 POST /login", "Login", "POST", 200),
                                 note("#2 GET /me", "Me", "GET", 200),
                                 note("#3 GET /never", "Never", "GET", 200)};
  notes[1].inputs = {0};
  notes[1].identities = {{"email", ""}};
  notes[1].literal_fields = {"x"};
  ReplayStats stats;
  stats.count_step(0, 401, 3);
  stats.count_step(1, 401, 3);
  auto json = reprise::replay::steps_json(notes, stats);
  REQUIRE(json.size() == 2);  // a step never sent is left out
  CHECK(json[1]["inputs"] == nlohmann::json::array({"#1 POST /login"}));
  std::vector<StepNote> back;
  ReplayStats read;
  reprise::replay::add_steps(nlohmann::json::parse(json.dump()), "s.json", back, read);
  reprise::replay::add_steps(nlohmann::json::parse(json.dump()), "s2.json", back,
                             read);  // a second shard adds up
  REQUIRE(back.size() == 2);
  CHECK(back[1].identities == notes[1].identities);
  CHECK(back[1].inputs == std::vector<int>{0});
  auto rows = reprise::replay::status_table(back, read, {});
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].count == 6);
  CHECK(reprise::replay::explain_failures(back, read, {}) ==
        std::vector<std::string>{
            "Me GET (#2 GET /me): 6 of 6 answered 401 where the recording had 200: the answer "
            "that hands out a value it sends (#1 POST /login) failed 6 times (6 × 401): fix "
            "that first"});
  CHECK_THROWS_WITH(
      reprise::replay::add_steps(nlohmann::json::parse(R"([{"step": 5}])"), "bad.json", back, read),
      Catch::Contains("bad.json") && Catch::Contains("steps[0]"));
}

TEST_CASE("failures: a 404 on a path whose id no answer handed out names the id", "[replay][failures]") {
  std::vector<StepNote> notes = {note("#4 POST /api/chat/rooms/7/messages", "SendMessage", "POST", 200)};
  notes[0].unresolved_ids = {"rooms/7"};
  ReplayStats stats;
  stats.count_step(0, 404, 12);
  auto why = reprise::replay::explain_failures(notes, stats, {});
  REQUIRE(why.size() == 1);
  CHECK(why[0].find(
            "12 of 12 answered 404 where the recording had 200: its path carries rooms/7, which no answer "
            "in the capture handed out") != std::string::npos);
}

TEST_CASE("failures: a summary's steps give the HTML report's statuses section", "[replay][failures]") {
  std::vector<StepNote> notes = {note("#1 POST /login", "Login", "POST", 200),
                                 note("#2 GET /me", "Me", "GET", 200)};
  notes[1].inputs = {0};
  ReplayStats stats;
  stats.count_step(0, 401, 3);
  stats.count_step(1, 401, 3);
  nlohmann::json summary = {
      {"steps", nlohmann::json::parse(reprise::replay::steps_json(notes, stats).dump())},
      {"expected_statuses", "200-399"}};
  auto section = reprise::replay::status_section(summary);
  CHECK(section.expected == "200-399");
  REQUIRE(section.rows.size() == 2);
  CHECK(section.rows[0].route == "Login");
  CHECK(section.rows[0].method == "POST");
  CHECK(section.rows[0].recorded == "200");
  CHECK(section.rows[0].replayed == "401");
  CHECK(section.rows[0].count == 3);
  CHECK(section.rows[0].failed);
  REQUIRE(section.why.size() == 1);
  CHECK(section.why[0].find("#1 POST /login") != std::string::npos);
  // no steps (a summary from before they were kept): no section
  CHECK(reprise::replay::status_section(nlohmann::json::object()).rows.empty());
}
