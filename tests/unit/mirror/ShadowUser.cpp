#include "mirror/ShadowUser.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using reprise::capture::Exchange;
using reprise::capture::HeaderList;
using reprise::mirror::ShadowSettings;
using reprise::mirror::ShadowUser;
using reprise::replay::CorrelateRules;
using reprise::replay::echoed_fields;
using reprise::replay::find_handouts;
using Json = nlohmann::json;

namespace {

Exchange exchange(std::string method, std::string target, HeaderList headers, std::string body, int status = 0,
                  std::string answer = "") {
  Exchange x;
  x.req.method = std::move(method);
  x.req.target = std::move(target);
  x.req.headers = std::move(headers);
  x.req.body.size = body.size();
  x.req.body.data = std::move(body);
  if (status) {
    auto& res = x.res.emplace();
    res.status = status;
    res.headers = {{"Content-Type", "application/json"}};
    res.body.size = answer.size();
    res.body.data = std::move(answer);
  }
  return x;
}

ShadowSettings settings() {
  ShadowSettings s;
  s.run.text = "run001";
  s.host = "mirror:9000";
  return s;
}

// What `user` sends for `x` (answered by the primary), its answer's echoes taken as identities.
std::string sent(ShadowUser& user, const Exchange& x) {
  std::string out;
  user.render(x, echoed_fields(x), out);
  return out;
}

// The mirror answered the copy of `x` with `body`.
void mirror_answers(ShadowUser& user, const Exchange& x, const std::string& body) {
  const Json json = Json::parse(body);
  user.learn(find_handouts(*x.res, CorrelateRules{}, true), {}, &json);
}

const HeaderList kJson{{"Host", "primary:80"}, {"Content-Type", "application/json"}};

}  // namespace

TEST_CASE("shadow user: a registration's echoed fields become its own, and stay its own", "[mirror][shadow]") {
  const auto s = settings();
  ShadowUser one(s, 1), two(s, 2);
  auto reg = exchange("POST", "/api/users/register", kJson,
                      R"({"email": "alice@example.com", "username": "alice", "password": "pw-secret"})", 201,
                      R"({"id": 7, "email": "alice@example.com", "username": "alice"})");
  std::string a = sent(one, reg), b = sent(two, reg);
  CHECK(a.find(R"("email": "alice_1_run001@example.com")") != std::string::npos);
  CHECK(a.find(R"("username": "alice_1_run001")") != std::string::npos);
  CHECK(b.find(R"("email": "alice_2_run001@example.com")") != std::string::npos);
  CHECK(a.find(R"("password": "pw-secret")") != std::string::npos);  // not echoed: sent as it is
  CHECK(a.find("Host: mirror:9000\r\n") != std::string::npos);

  auto login = exchange("POST", "/api/users/login", kJson, R"({"email": "alice@example.com", "password": "pw-secret"})",
                        200, R"({"access_token": "tok_primary_1234", "user": {"email": "alice@example.com"}})");
  CHECK(sent(one, login).find(R"("email": "alice_1_run001@example.com")") != std::string::npos);

  // A later creating request's echoes are not identities: only the first one's are.
  auto room = exchange("POST", "/api/chat/rooms", kJson, R"({"name": "general room"})", 201,
                       R"({"id": 1, "name": "general room"})");
  CHECK(sent(one, room).find(R"("name": "general room")") != std::string::npos);
}

TEST_CASE("shadow user: the profile's template names its identity", "[mirror][shadow]") {
  auto s = settings();
  s.identities = {{"email", "shadow{copy}@test.com"}};
  ShadowUser user(s, 17);
  auto reg = exchange("POST", "/api/users/register", kJson, R"({"email": "alice@example.com", "username": "alice"})",
                      201, R"({"email": "alice@example.com", "username": "alice"})");
  std::string out = sent(user, reg);
  CHECK(out.find(R"("email": "shadow17@test.com")") != std::string::npos);
  CHECK(out.find(R"("username": "alice_17_run001")") != std::string::npos);  // automatic beside the template
}

TEST_CASE("shadow user: the mirror's handouts replace the primary's in later requests", "[mirror][shadow]") {
  const auto s = settings();
  ShadowUser user(s, 3);
  auto login = exchange("POST", "/api/users/login", kJson, R"({"email": "a@b.c"})", 200,
                        R"({"access_token": "tok_primary_1234", "user_id": 1})");
  sent(user, login);
  mirror_answers(user, login, R"({"access_token": "tok_mirror_9999", "user_id": 4})");
  auto room = exchange("POST", "/api/chat/rooms", kJson, R"({"name": "general"})", 201, R"({"id": 1})");
  auto room_req = room;
  room_req.req.headers.emplace_back("Authorization", "Bearer tok_primary_1234");
  std::string out = sent(user, room_req);
  CHECK(out.find("Authorization: Bearer tok_mirror_9999\r\n") != std::string::npos);
  mirror_answers(user, room, R"({"id": 3})");

  auto message = exchange("POST", "/api/chat/rooms/1/messages?page=1", kJson, R"({"content": "1 more"})");
  out = sent(user, message);
  CHECK(out.rfind("POST /api/chat/rooms/3/messages?page=1 HTTP/1.1\r\n", 0) == 0);  // an id where an id stands
  CHECK(out.find(R"("content": "1 more")") != std::string::npos);                     // not inside text

  // The mirror now hands out what the primary did: the primary's value goes as it is again.
  mirror_answers(user, room, R"({"id": 1})");
  CHECK(sent(user, message).rfind("POST /api/chat/rooms/1/messages", 0) == 0);
  // So it does when its answer is the primary's byte for byte (not even read).
  mirror_answers(user, room, R"({"id": 3})");
  CHECK(sent(user, message).rfind("POST /api/chat/rooms/3/messages", 0) == 0);
  user.learn(find_handouts(*room.res, CorrelateRules{}, true), {}, nullptr);
  CHECK(sent(user, message).rfind("POST /api/chat/rooms/1/messages", 0) == 0);
  CHECK(user.value_for("tok_primary_1234") == "tok_mirror_9999");
}

TEST_CASE("shadow user: a place missing from the mirror's answer changes nothing", "[mirror][shadow]") {
  const auto s = settings();
  ShadowUser user(s, 1);
  auto login = exchange("POST", "/api/users/login", kJson, R"({"email": "a@b.c"})", 200,
                        R"({"access_token": "tok_primary_1234"})");
  mirror_answers(user, login, R"({"detail": "invalid credentials"})");
  CHECK(user.values() == 0);
}

TEST_CASE("shadow user: a long session keeps its latest values, not every one it ever learned", "[mirror][shadow]") {
  const auto s = settings();
  ShadowUser user(s, 1);
  auto learn = [&](const std::string& primary, const std::string& mirror) {
    reprise::replay::Handout h{reprise::replay::Handout::From::json, "/token", primary, false, false};
    const Json body = {{"token", mirror}};
    user.learn({h}, {}, &body);
  };
  const size_t n = ShadowUser::kMaxValues + 100;
  for (size_t i = 0; i < n; ++i) learn("primary-" + std::to_string(i), "mirror-" + std::to_string(i));
  learn("primary-5", "mirror-5-again");  // set again late: kept
  for (size_t i = 0; i < 50; ++i) learn("primary-" + std::to_string(n + i), "mirror-" + std::to_string(n + i));
  CHECK(user.values() <= ShadowUser::kMaxValues);
  CHECK(user.value_for("primary-0").empty());
  CHECK(user.value_for("primary-5") == "mirror-5-again");
  CHECK(user.value_for("primary-" + std::to_string(n + 49)) == "mirror-" + std::to_string(n + 49));
}
