#include "replay/Session.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "replay/Identities.hpp"

using reprise::capture::Exchange;
using reprise::capture::HeaderList;
using reprise::capture::Response;
using reprise::replay::build_sessions;
using reprise::replay::expand_identity;
using reprise::replay::Handout;
using reprise::replay::IdentityContext;
using reprise::replay::Profile;
using reprise::replay::Session;
using reprise::replay::SessionBuild;
using reprise::replay::SessionOptions;
using reprise::replay::Slot;
using reprise::replay::Step;
using reprise::replay::unique_value;

namespace {

struct Answer {
  int status = 200;
  std::string body;
  int64_t dur_us = 100;
  HeaderList headers = {{"Content-Type", "application/json"}};
};

Exchange exchange(uint64_t id, std::string session, int64_t t_us, std::string method, std::string target,
                  HeaderList headers = {}, std::string body = "", std::optional<Answer> answer = Answer{}) {
  Exchange x;
  x.id = id;
  x.session = std::move(session);
  x.t_us = t_us;
  x.req.method = std::move(method);
  x.req.target = std::move(target);
  x.req.headers = std::move(headers);
  x.req.headers.insert(x.req.headers.begin(), {"Host", "rec.example"});
  if (!body.empty()) x.req.headers.emplace_back("Content-Type", "application/json");
  x.req.body.size = body.size();
  x.req.body.data = std::move(body);
  if (answer) {
    x.res.emplace();
    x.res->status = answer->status;
    x.res->headers = answer->headers;
    x.res->body.size = answer->body.size();
    x.res->body.data = answer->body;
    x.res->dur_us = answer->dur_us;
  }
  return x;
}

Answer json(std::string body, int64_t dur_us = 100) { return {200, std::move(body), dur_us}; }

// Automatic identities are left out unless a test asks for them: the other tests look at slots.
SessionBuild build(std::vector<Exchange> xs, Profile profile = {}, bool auto_correlate = true,
                   bool auto_identities = false) {
  profile.auto_identities = auto_identities;
  return build_sessions(std::move(xs), profile, SessionOptions{auto_correlate, ""});
}

Session only_session(const SessionBuild& b) {
  REQUIRE(b.sessions.size() == 1);
  REQUIRE(b.sessions[0].flows.size() == 1);
  return b.sessions[0];
}

const Step& step(const Session& s, size_t i) { return s.flows.at(0).steps.at(i); }

std::string render(const Step& step, const std::vector<std::string>& live) {
  std::string out;
  step.request.render(live, out);
  return out;
}

// The live values for every slot of `s`: `value` for the slots holding `recorded`, the recorded
// value for the others.
std::vector<std::string> live_for(const Session& s, const std::map<std::string, std::string>& values) {
  std::vector<std::string> live;
  for (const auto& slot : s.slots)
    live.push_back(values.count(slot.recorded) ? values.at(slot.recorded) : slot.recorded);
  return live;
}

// The slots some request takes a live value from (a handout no request uses is not read live).
std::vector<const Slot*> used_slots(const Session& s) {
  std::vector<const Slot*> out;
  for (const auto& slot : s.slots)
    if (slot.uses > 0) out.push_back(&slot);
  return out;
}

std::string body_of(const std::string& rendered) { return rendered.substr(rendered.find("\r\n\r\n") + 4); }

// A login handing out a (redacted) token, then two requests carrying it and one without it.
std::vector<Exchange> login_capture() {
  return {
      exchange(1, "u", 0, "POST", "/api/users/login", {}, R"({"email":"a@b.c","password":"{{redacted:1}}"})",
               json(R"({"access_token":"{{redacted:3}}","user":{"id":5,"email":"a@b.c"}})")),
      exchange(2, "u", 2000, "GET", "/api/rooms", {{"Authorization", "Bearer {{redacted:3}}"}}),
      exchange(3, "u", 3000, "POST", "/api/rooms/1/messages", {{"Authorization", "Bearer {{redacted:3}}"}},
               R"({"text":"hi"})"),
      exchange(4, "u", 4000, "GET", "/api/health"),
  };
}

}  // namespace

TEST_CASE("exchanges are grouped by session key and ordered by time; sessions by start",
          "[replay][session]") {
  std::vector<Exchange> xs = {
      exchange(3, "early", 1500, "GET", "/e3", {}, "", json("", 50)),
      exchange(4, "late", 5000, "GET", "/l1", {}, "", json("", 10)),
      exchange(1, "early", 1000, "GET", "/e1", {}, "", json("", 200)),
      exchange(2, "early", 1300, "GET", "/e2", {}, "", json("", 400)),
      exchange(5, "late", 5600, "GET", "/l2", {}, "", std::nullopt),  // no answer came
      exchange(6, "late", 7000, "GET", "/l3", {}, "", json("", 30)),
      exchange(7, "m", 9000, "GET", "/m"),
      exchange(8, "k", 9000, "GET", "/k"),
  };
  SessionBuild b = build(xs);
  CHECK(b.skipped_websocket == 0);
  REQUIRE(b.sessions.size() == 4);
  std::vector<std::string> keys;
  for (const auto& s : b.sessions) keys.push_back(s.key);
  CHECK(keys == std::vector<std::string>{"early", "late", "k", "m"});  // a tie on start goes by key

  const Session& early = b.sessions[0];
  CHECK(early.start_us == 1000);
  REQUIRE(early.flows.size() == 1);
  CHECK(early.flows[0].key == "early");
  CHECK(early.flows[0].start_us == 0);
  REQUIRE(early.steps() == 3);
  struct Timing {
    const char* label;
    int64_t offset, think, hold;
  };
  auto check_timing = [](const Session& s, std::vector<Timing> expected) {
    REQUIRE(s.flows[0].steps.size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      const Step& st = s.flows[0].steps[i];
      INFO(st.label);
      CHECK(st.label == expected[i].label);
      CHECK(st.offset_us == expected[i].offset);
      CHECK(st.think_us == expected[i].think);
      CHECK(st.hold_us == expected[i].hold);
    }
  };
  // think: from the previous answer's end (never below zero); hold: how long the answer lasted.
  check_timing(early, {{"#1 GET /e1", 0, 0, 200}, {"#2 GET /e2", 300, 100, 400}, {"#3 GET /e3", 500, 0, 50}});
  CHECK(b.sessions[1].start_us == 5000);
  check_timing(b.sessions[1],
               {{"#4 GET /l1", 0, 0, 10}, {"#5 GET /l2", 600, 590, 0}, {"#6 GET /l3", 2000, 1400, 30}});
  CHECK(b.sessions[2].steps() == 1);
  CHECK(b.sessions[2].slots.empty());
}

TEST_CASE("a token a login hands out becomes a slot read from its answer and sent live later",
          "[replay][session]") {
  const Session s = only_session(build(login_capture()));
  REQUIRE(used_slots(s).size() == 1);
  const auto& slot = *used_slots(s)[0];
  const int index = static_cast<int>(&slot - s.slots.data());
  CHECK(slot.recorded == "{{redacted:3}}");
  CHECK(slot.identity == -1);
  CHECK(slot.origins == std::vector<std::string>{"json /access_token of #1 POST /api/users/login"});
  CHECK(slot.uses == 2);
  CHECK(slot.flow == 0);

  const Step& login = step(s, 0);
  REQUIRE(login.from_body.size() == 1);
  CHECK(login.from_body[0].slot == index);
  CHECK(login.from_body[0].place.from == Handout::From::json);
  CHECK(login.from_body[0].place.where == "/access_token");
  CHECK(login.from_body[0].place.value == "{{redacted:3}}");
  CHECK(login.from_head.empty());
  for (size_t i = 1; i < 4; ++i) {
    CHECK(step(s, i).from_body.empty());
    CHECK(step(s, i).after.empty());  // filled on the same connection, in order
  }

  const auto live = live_for(s, {{"{{redacted:3}}", "live.jwt.token-of-another-length"}});
  // The login itself is sent as recorded: nothing live is known before its answer.
  CHECK(body_of(render(login, live)) == R"({"email":"a@b.c","password":"{{redacted:1}}"})");
  for (size_t i : {1, 2}) {
    std::string out = render(step(s, i), live);
    INFO(out);
    CHECK(out.find("\r\nAuthorization: Bearer live.jwt.token-of-another-length\r\n") != std::string::npos);
    CHECK(out.find("{{redacted:3}}") == std::string::npos);
  }
  CHECK(render(step(s, 3), live) == "GET /api/health HTTP/1.1\r\nHost: rec.example\r\n\r\n");
}

TEST_CASE("a value the client sent before an answer echoed it is not a slot", "[replay][session]") {
  std::vector<Exchange> xs = {
      exchange(1, "u", 0, "POST", "/api/users", {}, R"({"email":"echo@x.com","name":"eve"})",
               json(R"({"id":9,"email":"echo@x.com"})")),
      exchange(2, "u", 1000, "GET", "/api/me", {}, "", json(R"({"email":"echo@x.com","name":"eve"})")),
      exchange(3, "u", 2000, "PUT", "/api/me", {}, R"({"email":"echo@x.com","name":"eva"})"),
  };
  const Session s = only_session(build(xs));
  CHECK(used_slots(s).empty());
  for (const auto& slot : s.slots) CHECK(slot.recorded != "echo@x.com");
  for (size_t i = 0; i < 3; ++i) {
    CHECK(step(s, i).from_body.empty());
    CHECK(step(s, i).request.slots_used() == 0);
  }
  CHECK(body_of(render(step(s, 2), live_for(s, {}))) == R"({"email":"echo@x.com","name":"eva"})");
}

TEST_CASE("without automatic correlation only the profile's correlate rules make slots",
          "[replay][session]") {
  const Session none = only_session(build(login_capture(), {}, false));
  CHECK(used_slots(none).empty());
  CHECK(render(step(none, 1), live_for(none, {})).find("\r\nAuthorization: Bearer {{redacted:3}}\r\n") !=
        std::string::npos);

  Profile named;
  named.correlate.json_fields = {"access_token"};
  const Session s = only_session(build(login_capture(), named, false));
  REQUIRE(used_slots(s).size() == 1);
  CHECK(used_slots(s)[0]->recorded == "{{redacted:3}}");
  CHECK(used_slots(s)[0]->uses == 2);
  CHECK(render(step(s, 2), live_for(s, {{"{{redacted:3}}", "LIVE"}}))
            .find("\r\nAuthorization: Bearer LIVE\r\n") != std::string::npos);

  Profile ignoring;
  ignoring.correlate.ignore = {"access_token"};
  CHECK(used_slots(only_session(build(login_capture(), ignoring))).empty());
}

TEST_CASE("an identity becomes a slot and every place its recorded value stands takes the expanded value",
          "[replay][session]") {
  Profile p;
  p.identities = {{"email", "user{vu}@t.com"}};
  std::vector<Exchange> xs = {
      exchange(1, "u", 0, "POST", "/api/users", {}, R"({"profile":{"email":"rec@x.com"},"name":"r"})",
               json(R"({"id":42,"email":"rec@x.com"})")),
      exchange(2, "u", 1000, "GET", "/api/users/search?email=rec%40x.com&limit=10"),
      exchange(3, "u", 2000, "POST", "/api/users/login", {}, R"({"email":"rec@x.com","password":"p"})",
               json(R"({"access_token":"tok-12345678","email":"rec@x.com"})")),
      exchange(4, "u", 3000, "GET", "/api/me", {{"Authorization", "Bearer tok-12345678"}}, "",
               json(R"({"email":"rec@x.com"})")),  // hands the identity back: still the identity's slot
      exchange(5, "u", 4000, "PUT", "/api/me", {}, R"({"email":"rec@x.com","name":"n"})"),
  };
  const Session s = only_session(build(xs, p));
  REQUIRE(used_slots(s).size() == 2);
  REQUIRE(s.slots.size() == 2);
  CHECK(s.slots[0].recorded == "rec@x.com");
  CHECK(s.slots[0].identity == 0);
  CHECK(s.slots[0].origins == std::vector<std::string>{"identity email"});
  CHECK(s.slots[0].uses == 4);
  CHECK(s.slots[0].flow == -1);
  CHECK(s.slots[1].recorded == "tok-12345678");
  CHECK(s.slots[1].identity == -1);
  for (size_t i = 0; i < 5; ++i)  // an identity is never read from an answer
    for (const auto& e : step(s, i).from_body) CHECK(e.slot != 0);

  const std::string email = expand_identity(p.identities[0].value_template, IdentityContext{7, 0, 1});
  CHECK(email == "user7@t.com");
  const auto live = live_for(s, {{"rec@x.com", email}, {"tok-12345678", "LIVE-TOKEN"}});
  std::vector<std::string> out;
  for (size_t i = 0; i < 5; ++i) out.push_back(render(step(s, i), live));
  for (const auto& o : out) {
    INFO(o);
    CHECK(o.find("rec@x.com") == std::string::npos);
    CHECK(o.find("rec%40x.com") == std::string::npos);
  }
  CHECK(nlohmann::json::parse(body_of(out[0]))["profile"]["email"] == "user7@t.com");
  CHECK(out[1].starts_with("GET /api/users/search?email=user7%40t.com&limit=10 HTTP/1.1\r\n"));
  CHECK(body_of(out[2]) == R"({"email":"user7@t.com","password":"p"})");
  CHECK(out[3].find("\r\nAuthorization: Bearer LIVE-TOKEN\r\n") != std::string::npos);
  CHECK(body_of(out[4]) == R"({"email":"user7@t.com","name":"n"})");
}

TEST_CASE("an identity recorded in a URL-encoded form body is replaced", "[replay][session]") {
  Profile p;
  p.identities = {{"email", "user{vu}@t.com"}};
  Exchange login =
      exchange(1, "u", 0, "POST", "/login", {{"Content-Type", "application/x-www-form-urlencoded"}},
               "email=rec%40x.com&password=p");
  login.req.headers.pop_back();  // the JSON Content-Type exchange() adds
  const Session s = only_session(build({login}, p));
  REQUIRE(s.slots.size() == 1);
  CHECK(s.slots[0].uses == 1);
  CHECK(body_of(render(step(s, 0), {"user7@t.com"})) == "email=user7%40t.com&password=p");
}

TEST_CASE("a token handed out on one connection and carried on another joins them into one session",
          "[replay][session]") {
  std::vector<Exchange> xs = {
      exchange(1, "c1", 0, "POST", "/api/login", {}, R"({"user":"u"})",
               json(R"({"access_token":"tok-live-0001"})")),
      exchange(2, "c3", 100, "GET", "/api/other"),
      exchange(3, "c2", 500, "GET", "/api/events", {{"Authorization", "Bearer tok-live-0001"}}, "",
               Answer{200, "", 10'000'000, {{"Content-Type", "text/event-stream"}}}),
      exchange(4, "c1", 900, "GET", "/api/rooms", {{"Authorization", "Bearer tok-live-0001"}}),
  };
  SessionBuild b = build(xs);
  REQUIRE(b.sessions.size() == 2);
  const Session& user = b.sessions[0];
  CHECK(b.sessions[1].key == "c3");
  REQUIRE(user.flows.size() == 2);
  CHECK(user.flows[0].key == "c1");
  CHECK(user.flows[1].key == "c2");
  CHECK(user.flows[1].start_us == 500);
  CHECK(user.steps() == 3);
  REQUIRE(used_slots(user).size() == 1);
  const Slot& token = *used_slots(user)[0];
  CHECK(token.flow == 0);
  CHECK(token.uses == 2);
  const Step& events = user.flows[1].steps.at(0);
  CHECK(events.after == std::vector<reprise::replay::StepRef>{{0, 0}});  // waits for the login's answer on the other flow
  CHECK(events.hold_us == 10'000'000);
  // sent while the stream was open: waits for the stream's head, so that it sees what the request causes
  CHECK(user.flows[0].steps.at(1).after == std::vector<reprise::replay::StepRef>{{1, 0}});
  CHECK(render(events, live_for(user, {{"tok-live-0001", "LIVE"}}))
            .find("\r\nAuthorization: Bearer LIVE\r\n") != std::string::npos);
}

TEST_CASE("a request naming a user another connection registered waits for that registration's answer",
          "[replay][session]") {
  // alice logs in (c1); bob registers on his own connection with alice's token (c2), which joins
  // the two; alice then searches for bob and befriends him. Live, alice's search must not go
  // before bob's registration was answered, or it finds no bob.
  Profile p;
  p.identities = {{"username", "u{vu}"}};
  std::vector<Exchange> xs = {
      exchange(1, "c1", 0, "POST", "/api/login", {}, R"({"username":"alice"})",
               json(R"({"access_token":"tok-live-0001"})")),
      exchange(2, "c2", 100, "POST", "/api/users", {{"Authorization", "Bearer tok-live-0001"}},
               R"({"username":"bob"})", json(R"({"id":2,"username":"bob"})")),
      exchange(3, "c1", 200, "GET", "/api/users/search?q=bob", {{"Authorization", "Bearer tok-live-0001"}}),
      exchange(4, "c1", 300, "GET", "/api/users/search?q=bob", {{"Authorization", "Bearer tok-live-0001"}}),
  };
  SessionBuild b = build(xs, p);
  REQUIRE(b.sessions.size() == 1);
  const Session& s = b.sessions[0];
  REQUIRE(s.flows.size() == 2);
  CHECK(s.flows[1].steps.at(0).after == std::vector<reprise::replay::StepRef>{{0, 0}});  // the login's token
  CHECK(s.flows[0].steps.at(1).after == std::vector<reprise::replay::StepRef>{{1, 0}});  // bob's registration
  CHECK(s.flows[0].steps.at(2).after == std::vector<reprise::replay::StepRef>{{1, 0}});
  CHECK(s.flows[0].steps.at(0).after.empty());  // alice's own identity, first sent by herself
}

TEST_CASE("WebSocket exchanges are skipped and counted", "[replay][session]") {
  Exchange stream_only = exchange(2, "a", 100, "GET", "/ws/other", {}, "", std::nullopt);
  stream_only.stream.emplace();
  stream_only.stream->kind = "websocket";
  std::vector<Exchange> xs = {
      exchange(1, "a", 0, "GET", "/ws", {{"Upgrade", "websocket"}}, "", Answer{101, "", 5000, {}}),
      stream_only,
      exchange(3, "a", 200, "GET", "/api/rooms"),
      exchange(4, "b", 300, "GET", "/ws", {{"Upgrade", "websocket"}}, "", Answer{101, "", 5000, {}}),
  };
  SessionBuild b = build(xs);
  CHECK(b.skipped_websocket == 3);
  const Session s = only_session(b);  // "b" had nothing else
  CHECK(s.key == "a");
  CHECK(s.start_us == 200);
  REQUIRE(s.steps() == 1);
  CHECK(step(s, 0).label == "#3 GET /api/rooms");
}

TEST_CASE("automatic identities: what a registration sent and the service echoed, each copy its own",
          "[replay][session][identities]") {
  std::vector<Exchange> xs = {
      exchange(1, "u", 0, "POST", "/api/users/register", {},
               R"({"email":"al@x.com","username":"al","password":"{{redacted:1}}","bio":"hi there"})",
               Answer{201, R"({"id":1,"email":"al@x.com","username":"al"})", 100}),
      exchange(2, "u", 1000, "POST", "/api/users/login", {},
               R"({"email":"al@x.com","password":"{{redacted:1}}"})",
               json(R"({"access_token":"tok-123456789"})")),
      exchange(3, "u", 2000, "GET", "/api/users/search?q=al", {{"Authorization", "Bearer tok-123456789"}}),
  };
  const Session s = only_session(build(xs, {}, true, true));
  std::map<std::string, std::string> fields;  // recorded value → field
  for (const auto& slot : s.slots)
    if (slot.identity >= 0) fields[slot.recorded] = s.identities[static_cast<size_t>(slot.identity)].field;
  CHECK(fields == std::map<std::string, std::string>{{"al@x.com", "email"}, {"al", "username"}});
  for (const auto& id : s.identities) CHECK(id.value_template.empty());  // automatic
  const reprise::replay::RunMark run{"r00001", 1};
  const auto live =
      live_for(s, {{"al@x.com", unique_value("al@x.com", run, 17)}, {"al", unique_value("al", run, 17)}});
  CHECK(body_of(render(step(s, 1), live)) == R"({"email":"al_17_r00001@x.com","password":"{{redacted:1}}"})");
  CHECK(render(step(s, 2), live).starts_with("GET /api/users/search?q=al_17_r00001 HTTP/1.1\r\n"));
  CHECK(step(s, 0).id == 0);
  CHECK(step(s, 2).id == 2);
}

TEST_CASE("automatic identities: a field the service refused when repeated, though not echoed",
          "[replay][session][identities]") {
  std::vector<Exchange> xs = {
      exchange(1, "a", 0, "POST", "/signup", {}, R"({"phone":"01012345678","name":"Al"})",
               Answer{201, R"({"id":1,"name":"Al"})", 100}),
      exchange(2, "b", 10, "POST", "/signup", {}, R"({"phone":"01012345678","name":"Bo"})",
               Answer{409, R"({"detail":"phone taken"})", 100}),
  };
  const SessionBuild b = build(xs, {}, true, true);
  std::set<std::string> fields;
  for (const auto& session : b.sessions)
    for (const auto& id : session.identities) fields.insert(id.field);
  CHECK(fields == std::set<std::string>{"phone", "name"});  // name echoed; phone refused when repeated
  CHECK(b.notes.size() == 2);
  CHECK(b.notes[1].recorded_status == 409);
}

TEST_CASE("automatic identities: a profile template overrides a field; auto off keeps the rest as recorded",
          "[replay][session][identities]") {
  std::vector<Exchange> xs = {
      exchange(1, "u", 0, "POST", "/register", {}, R"({"email":"al@x.com","username":"al"})",
               Answer{201, R"({"email":"al@x.com","username":"al"})", 100}),
      exchange(2, "u", 10, "POST", "/login", {}, R"({"username":"al"})", json(R"({"ok":true})")),
  };
  Profile p;
  p.identities = {{"email", "user{copy}@t.com"}};
  const Session s = only_session(build(xs, p, true, true));
  REQUIRE(s.identities.size() == 2);
  CHECK(s.identities[0].field == "email");
  CHECK(s.identities[0].value_template == "user{copy}@t.com");
  CHECK(s.identities[1].field == "username");
  CHECK(s.identities[1].value_template.empty());
  const Session off = only_session(build(xs, p, true, false));
  REQUIRE(off.identities.size() == 1);
  CHECK(off.identities[0].field == "email");
}

TEST_CASE("step notes: the identities a request carries, the fields sent as recorded, the steps it needs",
          "[replay][session]") {
  std::vector<Exchange> xs = {
      exchange(1, "u", 0, "POST", "/register", {}, R"({"email":"al@x.com","nick":"zz"})",
               Answer{201, R"({"email":"al@x.com"})", 100}),
      exchange(2, "u", 10, "POST", "/login", {}, R"({"email":"al@x.com"})",
               json(R"({"token":"tok-123456789"})")),
      exchange(3, "u", 20, "GET", "/me", {{"Authorization", "Bearer tok-123456789"}}),
      exchange(4, "u", 30, "GET", "/other", {{"Authorization", "Bearer tok-nobody-gave"}}),
  };
  const SessionBuild b = build(xs, {}, true, true);
  REQUIRE(b.notes.size() == 4);
  CHECK(b.notes[0].label == "#1 POST /register");
  CHECK(b.notes[0].identities == std::vector<std::pair<std::string, std::string>>{{"email", ""}});
  CHECK(b.notes[0].route.method == "POST");
  CHECK(b.notes[0].literal_fields == std::vector<std::string>{"nick"});
  CHECK(b.notes[2].inputs == std::vector<int>{1});
  CHECK_FALSE(b.notes[2].unresolved_credential);
  CHECK(b.notes[3].unresolved_credential);
  CHECK(b.notes[3].unresolved_ids.empty());
  const SessionBuild rooms =
      build({exchange(1, "u", 0, "POST", "/api/rooms/7/messages/3", {}, "{}", json("{}"))});
  CHECK(rooms.notes[0].unresolved_ids == std::vector<std::string>{"rooms/7", "messages/3"});
}

TEST_CASE("automatic identities: an echo the user never uses again is no registration",
          "[replay][session][identities]") {
  std::vector<Exchange> xs = {
      exchange(1, "u", 0, "POST", "/orders", {}, R"({"product":"SKU-123"})",
               Answer{201, R"({"id":5,"product":"SKU-123"})", 100}),
      exchange(2, "u", 10, "GET", "/orders/5"),
  };
  CHECK(only_session(build(xs, {}, true, true)).identities.empty());
}

TEST_CASE("automatic identities: a field two users registered with the same value is not unique",
          "[replay][session][identities]") {
  std::vector<Exchange> xs = {
      exchange(1, "a", 0, "POST", "/register", {}, R"({"email":"a@x.com","role":"member"})",
               Answer{201, R"({"email":"a@x.com","role":"member"})", 100}),
      exchange(2, "a", 10, "POST", "/login", {}, R"({"email":"a@x.com"})", json(R"({"ok":true})")),
      exchange(3, "b", 20, "POST", "/register", {}, R"({"email":"b@x.com","role":"member"})",
               Answer{201, R"({"email":"b@x.com","role":"member"})", 100}),
      exchange(4, "b", 30, "POST", "/login", {}, R"({"email":"b@x.com"})", json(R"({"ok":true})")),
  };
  const SessionBuild b = build(xs, {}, true, true);
  REQUIRE(b.sessions.size() == 2);
  for (const auto& session : b.sessions) {
    REQUIRE(session.identities.size() == 1);
    CHECK(session.identities[0].field == "email");
  }
}
