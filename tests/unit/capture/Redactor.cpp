#include "capture/Redactor.hpp"

#include <malloc.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "InputError.hpp"
#include "TempFile.hpp"

using reprise::InputError;
using reprise::capture::Body;
using reprise::capture::Exchange;
using reprise::capture::HeaderList;
using reprise::capture::RedactionRules;
using reprise::capture::Redactor;
using reprise::test::TempFile;

namespace {

Body body_of(std::string data) {
  Body b;
  b.size = data.size();
  b.data = std::move(data);
  return b;
}

Exchange request(HeaderList headers, std::string body = "", std::string target = "/") {
  Exchange x;
  x.session = std::string("s");
  x.req.method = std::string(body.empty() ? "GET" : "POST");
  x.req.target = std::move(target);
  x.req.headers = std::move(headers);
  x.req.body = body_of(std::move(body));
  return x;
}

Exchange response(HeaderList headers, std::string body) {
  Exchange x = request({});
  x.res.emplace();
  x.res->status = 200;
  x.res->headers = std::move(headers);
  x.res->body = body_of(std::move(body));
  return x;
}

std::string redacted_body(Redactor& r, const std::string& body,
                          const std::string& type = "application/json") {
  Exchange x = request({{"Content-Type", type}}, body);
  r.redact(x);
  return x.req.body.data;
}

std::string header_after(Redactor& r, const std::string& name, const std::string& value) {
  Exchange x = request({{name, value}});
  r.redact(x);
  return x.req.headers.at(0).second;
}

// The message of the InputError that loading `text` as a rules file gives, or "".
std::string rules_error(const std::string& text) {
  TempFile file(text);
  try {
    RedactionRules::defaults().add_file(file.path());
  } catch (const InputError& e) {
    std::string what = e.what();
    // Every message starts with the file's name.
    return what.starts_with(file.path()) ? what.substr(file.path().size())
                                         : "does not name the file: " + what;
  }
  return "";
}

}  // namespace

TEST_CASE("Authorization and Proxy-Authorization keep their scheme, the credentials become a placeholder") {
  Redactor r(RedactionRules::defaults());
  CHECK(header_after(r, "Authorization", "Bearer abc.def.ghi") == "Bearer {{redacted:1}}");
  CHECK(header_after(r, "authorization", "Basic dXNlcjpwYXNz") == "Basic {{redacted:2}}");
  CHECK(header_after(r, "Proxy-Authorization", "Basic cHJveHk6cHc=") == "Basic {{redacted:3}}");
  CHECK(header_after(r, "AUTHORIZATION", "rawtokenwithoutscheme") == "{{redacted:4}}");
  CHECK(header_after(r, "X-Authorization-Hint", "Bearer visible") == "Bearer visible");
  CHECK(header_after(r, "Accept", "*/*") == "*/*");
}

TEST_CASE("Cookie: every value is replaced, names and flags kept") {
  Redactor r(RedactionRules::defaults());
  CHECK(header_after(r, "Cookie", "sid=abc123; theme=dark; flag") ==
        "sid={{redacted:1}}; theme={{redacted:2}}; flag");
  CHECK(header_after(r, "cookie", "b64=YWJj==") == "b64={{redacted:3}}");
  CHECK(header_after(r, "Cookie", "empty=") == "empty=");
}

TEST_CASE("Set-Cookie: only the cookie's value is replaced, its attributes are kept") {
  Redactor r(RedactionRules::defaults());
  Exchange x = response({{"Set-Cookie", "sid=abc123; Path=/; Max-Age=3600; HttpOnly"},
                         {"Set-Cookie", "lang=en; Domain=example.com; Expires=Wed, 21 Oct 2026 07:28:00 GMT"},
                         {"Content-Type", "text/plain"}},
                        "ok");
  r.redact(x);
  CHECK(x.res->headers[0].second == "sid={{redacted:1}}; Path=/; Max-Age=3600; HttpOnly");
  CHECK(x.res->headers[1].second ==
        "lang={{redacted:2}}; Domain=example.com; Expires=Wed, 21 Oct 2026 07:28:00 GMT");
  CHECK(x.res->headers[2].second == "text/plain");
  CHECK(x.res->body.data == "ok");
}

TEST_CASE("JSON fields are redacted at any depth and in any case; other fields are kept") {
  Redactor r(RedactionRules::defaults());
  std::string body =
      R"({"user":{"name":"bob","Password":"p1"},"list":[{"ACCESS_TOKEN":"t1"},{"refresh_token":"r1"}],)"
      R"("token":"t2","deep":{"a":{"b":{"Secret":"s1"}}},"note":"token","token_count":3,"passwordless":"x"})";
  CHECK(
      redacted_body(r, body) ==
      R"({"user":{"name":"bob","Password":"{{redacted:1}}"},"list":[{"ACCESS_TOKEN":"{{redacted:2}}"},)"
      R"({"refresh_token":"{{redacted:3}}"}],"token":"{{redacted:4}}","deep":{"a":{"b":{"Secret":"{{redacted:5}}"}}},)"
      R"("note":"token","token_count":3,"passwordless":"x"})");
}

TEST_CASE("a body that looks like JSON is redacted whatever its Content-Type says") {
  Redactor r(RedactionRules::defaults());
  CHECK(redacted_body(r, "  {\"password\":\"p\"}", "text/plain") == "  {\"password\":\"{{redacted:1}}\"}");
  CHECK(redacted_body(r, "[{\"token\":\"t\"}]", "") == "[{\"token\":\"{{redacted:2}}\"}]");
  CHECK(redacted_body(r, "password=p", "text/plain") == "password=p");
}

TEST_CASE("JSON formatting and escapes are kept as they were") {
  Redactor r(RedactionRules::defaults());
  std::string body =
      "{\n  \"password\" :  \"hunter2\",\n\t\"name\": \"a \\\"quoted\\\" \\u00e9\",\n  \"n\": 1.50\n}\n";
  CHECK(redacted_body(r, body) ==
        "{\n  \"password\" :  \"{{redacted:1}}\",\n\t\"name\": \"a \\\"quoted\\\" \\u00e9\",\n  \"n\": "
        "1.50\n}\n");
  // A secret holding an escaped quote is replaced whole.
  CHECK(redacted_body(r, R"({"secret":"a\"b","x":"y"})") == R"({"secret":"{{redacted:2}}","x":"y"})");
}

TEST_CASE("form-encoded bodies and query strings have their secret fields replaced") {
  Redactor r(RedactionRules::defaults());
  CHECK(redacted_body(r, "username=bob&password=hunter2&Token=t1&remember=1",
                      "application/x-www-form-urlencoded; charset=utf-8") ==
        "username=bob&password={{redacted:1}}&Token={{redacted:2}}&remember=1");
  Exchange x = request({}, "", "/api/stream?access_token=abc&page=2&secret=s&flag");
  r.redact(x);
  CHECK(x.req.target == "/api/stream?access_token={{redacted:3}}&page=2&secret={{redacted:4}}&flag");
  Exchange plain = request({}, "", "/api/rooms/7/messages");
  r.redact(plain);
  CHECK(plain.req.target == "/api/rooms/7/messages");
}

TEST_CASE("one secret keeps one placeholder across headers, bodies and exchanges; different secrets differ") {
  Redactor r(RedactionRules::defaults());
  Exchange login = response({{"Content-Type", "application/json"}, {"Set-Cookie", "sid=S1; Path=/"}},
                            R"({"access_token":"TOKEN-A","refresh_token":"TOKEN-R"})");
  r.redact(login);  // headers before bodies
  CHECK(login.res->headers[1].second == "sid={{redacted:1}}; Path=/");
  CHECK(login.res->body.data == R"({"access_token":"{{redacted:2}}","refresh_token":"{{redacted:3}}"})");

  Exchange later = request({{"Authorization", "Bearer TOKEN-A"}, {"Cookie", "sid=S1"}}, "token=TOKEN-R",
                           "/x?token=TOKEN-A");
  later.req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  r.redact(later);
  CHECK(later.req.headers[0].second == "Bearer {{redacted:2}}");
  CHECK(later.req.headers[1].second == "sid={{redacted:1}}");
  CHECK(later.req.body.data == "token={{redacted:3}}");
  CHECK(later.req.target == "/x?token={{redacted:2}}");

  Exchange other = request({{"Authorization", "Bearer TOKEN-B"}});
  r.redact(other);
  CHECK(other.req.headers[0].second == "Bearer {{redacted:4}}");
}

TEST_CASE("values that are already placeholders are left alone and not counted") {
  Redactor r(RedactionRules::defaults());
  Exchange x = request({{"Authorization", "Bearer {{redacted:9}}"}, {"Cookie", "sid={{redacted:8}}"}},
                       R"({"password":"{{redacted:7}}"})");
  r.redact(x);
  CHECK(x.req.headers[0].second == "Bearer {{redacted:9}}");
  CHECK(x.req.headers[1].second == "sid={{redacted:8}}");
  CHECK(x.req.body.data == R"({"password":"{{redacted:7}}"})");
  CHECK(r.counts().empty());
  // Redacting twice changes nothing the second time.
  Exchange y = request({{"Authorization", "Bearer real"}}, R"({"token":"real2"})");
  r.redact(y);
  Exchange again = y;
  r.redact(again);
  CHECK(again.req.headers == y.req.headers);
  CHECK(again.req.body.data == y.req.body.data);
  CHECK(Redactor::is_placeholder("{{redacted:12}}"));
  CHECK_FALSE(Redactor::is_placeholder("redacted:12"));
}

TEST_CASE("a JSON body cut at the body limit in the middle of a secret is still redacted") {
  Redactor r(RedactionRules::defaults());
  Exchange x =
      request({{"Content-Type", "application/json"}}, R"({"user":"bob","password":"hunter2-and-more)");
  x.req.body.size = 5000;  // the whole body was longer than what was kept
  r.redact(x);
  CHECK(x.req.body.data == R"({"user":"bob","password":"{{redacted:1}}")");
  CHECK(x.req.body.size == 5000);
  CHECK(x.req.body.truncated());

  // Cut inside a key or right after the colon: nothing of a secret was kept, nothing changes.
  for (std::string cut : {R"({"user":"bob","passw)", R"({"password":)", R"({"password": )"}) {
    Exchange y = request({{"Content-Type", "application/json"}}, cut);
    y.req.body.size = 5000;
    r.redact(y);
    CHECK(y.req.body.data == cut);
  }
}

TEST_CASE("a cut body stays marked as cut when its placeholder is longer than what was lost") {
  // Regression (fixed): Redactor::redact_body keeps body.size for a truncated body, but the placeholder may
  // make data longer than that size, and then Body::truncated() (size > data.size()) turns false: the capture
  // says the whole body was kept.
  Redactor r(RedactionRules::defaults());
  Exchange x = request({{"Content-Type", "application/json"}}, R"({"password":"hun)");
  x.req.body.size = 22;
  r.redact(x);
  CHECK(x.req.body.data == R"({"password":"{{redacted:1}}")");
  CHECK(x.req.body.truncated());
}

TEST_CASE("a whole body's size follows its redacted length") {
  Redactor r(RedactionRules::defaults());
  Exchange x =
      request({{"Content-Type", "application/json"}}, R"({"password":"a-rather-long-password-indeed"})");
  r.redact(x);
  CHECK(x.req.body.data == R"({"password":"{{redacted:1}}"})");
  CHECK(x.req.body.size == x.req.body.data.size());
  CHECK_FALSE(x.req.body.truncated());
  Exchange y = request({{"Content-Type", "application/x-www-form-urlencoded"}}, "password=p");
  r.redact(y);
  CHECK(y.req.body.data == "password={{redacted:2}}");
  CHECK(y.req.body.size == 23);
}

TEST_CASE("counts() says what was redacted, by kind") {
  Redactor r(RedactionRules::defaults());
  Exchange a =
      request({{"Authorization", "Bearer t1"}, {"Cookie", "sid=1; theme=d"}}, "password=p&x=1", "/s?token=q");
  a.req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  r.redact(a);
  Exchange b =
      response({{"Set-Cookie", "sid=2; Path=/"}}, R"({"access_token":"t2","nested":{"access_token":"t3"}})");
  b.req.headers = {{"Authorization", "Bearer t1"}};
  r.redact(b);
  const std::map<std::string, uint64_t> expected = {
      {"header Authorization", 2}, {"cookie sid", 2},  {"cookie theme", 1},
      {"form password", 1},        {"query token", 1}, {"json access_token", 2},
  };
  CHECK(r.counts() == expected);
}

TEST_CASE("rules from a file add headers, fields and JSON paths to the defaults") {
  TempFile file(R"({"headers":["X-Api-Key"],"fields":["ssn"],"json_paths":["card.number","a.b.c"]})");
  auto rules = RedactionRules::defaults();
  rules.add_file(file.path());
  Redactor r(rules);

  Exchange x =
      request({{"x-api-key", "K1"}, {"Authorization", "Bearer T"}, {"X-Other", "v"}},
              R"({"ssn":"123","card":{"number":"4111","cvc":"1"},"number":"7","a":{"b":{"c":"deep"}}})");
  x.req.headers.emplace_back("Content-Type", "application/json");
  r.redact(x);
  CHECK(x.req.headers[0].second == "{{redacted:1}}");
  CHECK(x.req.headers[1].second == "Bearer {{redacted:2}}");
  CHECK(x.req.headers[2].second == "v");
  auto body = nlohmann::json::parse(x.req.body.data);
  CHECK(body["ssn"] == "{{redacted:3}}");
  CHECK(body["card"]["number"] == "{{redacted:4}}");
  CHECK(body["card"]["cvc"] == "1");
  CHECK(body["number"] == "7");
  CHECK(body["a"]["b"]["c"] == "{{redacted:5}}");
  CHECK(r.counts().at("header x-api-key") == 1);
  CHECK(r.counts().at("json ssn") == 1);
  CHECK(r.counts().at("json card.number") == 1);

  Exchange form = request({{"Content-Type", "application/x-www-form-urlencoded"}}, "SSN=9&name=n");
  r.redact(form);
  CHECK(form.req.body.data == "SSN={{redacted:6}}&name=n");
}

TEST_CASE("JSON path rules keep the body's formatting") {
  // Regression (fixed): Redactor::redact_json_paths re-serialises the whole document with dump() when a path
  // matched, so the body loses its formatting (and its size changes for that alone), unlike every other
  // redaction.
  RedactionRules rules;
  rules.json_paths = {"user.ssn"};
  Redactor r(rules);
  CHECK(redacted_body(r, "{\n  \"user\": {\"ssn\": \"1\"}\n}") ==
        "{\n  \"user\": {\"ssn\": \"{{redacted:1}}\"}\n}");
}

TEST_CASE("JSON path rules redact a body cut at the body limit") {
  // Regression (fixed): Redactor::redact_json_paths parses the body with nlohmann and gives up silently when
  // it does not parse, so a JSON body cut at the body limit keeps the secrets its json_paths name, in clear,
  // with nothing counted (field rules do redact cut bodies).
  RedactionRules rules;
  rules.json_paths = {"user.ssn"};
  Redactor r(rules);
  Exchange x = request({{"Content-Type", "application/json"}}, R"({"user":{"ssn":"123-45-6789","name":"bo)");
  x.req.body.size = 100;
  r.redact(x);
  CHECK(x.req.body.data.find("123-45-6789") == std::string::npos);
  CHECK(r.counts().count("json user.ssn") == 1);
}

TEST_CASE("a malformed rules file is an InputError naming the file and the field") {
  CHECK_THAT(rules_error("not json"), Catch::Matchers::Contains("not a JSON object"));
  CHECK_THAT(rules_error(""), Catch::Matchers::Contains("not a JSON object"));
  CHECK_THAT(rules_error(R"(["headers"])"), Catch::Matchers::Contains("not a JSON object"));
  CHECK_THAT(rules_error(R"({"headers":["a"]} trailing)"), Catch::Matchers::Contains("not a JSON object"));
  CHECK_THAT(rules_error(R"({"header":["X-Key"]})"), Catch::Matchers::StartsWith(":field header: "));
  CHECK_THAT(rules_error(R"({"headers":"X-Key"})"), Catch::Matchers::StartsWith(":field headers: "));
  CHECK_THAT(rules_error(R"({"headers":["X-Key",3]})"), Catch::Matchers::StartsWith(":field headers: "));
  CHECK_THAT(rules_error(R"({"fields":[""]})"), Catch::Matchers::StartsWith(":field fields: "));
  CHECK_THAT(rules_error(R"({"fields":{"ssn":true}})"), Catch::Matchers::StartsWith(":field fields: "));
  CHECK_THAT(rules_error(R"({"json_paths":[null]})"), Catch::Matchers::StartsWith(":field json_paths: "));
  CHECK_THAT(rules_error(R"({"json_paths":1})"), Catch::Matchers::StartsWith(":field json_paths: "));
  CHECK(rules_error(R"({"headers":[],"fields":[],"json_paths":[]})").empty());
  CHECK(rules_error("{}").empty());

  auto rules = RedactionRules::defaults();
  CHECK_THROWS_MATCHES(rules.add_file("/nonexistent-reprise-dir/rules.json"), InputError,
                       Catch::Matchers::Message(
                           "/nonexistent-reprise-dir/rules.json: cannot be read: No such file or directory"));
}

TEST_CASE("API keys, client secrets, session ids and signatures in headers are redacted by default") {
  Redactor r(RedactionRules::defaults());
  CHECK(header_after(r, "X-Api-Key", "key-abc-123") == "{{redacted:1}}");
  CHECK(header_after(r, "api-key", "azure-key") == "{{redacted:2}}");
  CHECK(header_after(r, "X-Auth-Token", "t-1") == "{{redacted:3}}");
  CHECK(header_after(r, "X-CSRF-Token", "c-1") == "{{redacted:4}}");
  CHECK(header_after(r, "X-Hub-Signature-256", "sha256=abc") == "{{redacted:5}}");
  CHECK(header_after(r, "X-Session-Id", "s-1") == "{{redacted:6}}");
  CHECK(header_after(r, "X-Authorization", "Bearer raw") == "Bearer {{redacted:7}}");
  for (const char* ordinary : {"Content-Type", "Accept", "Sec-WebSocket-Key", "Idempotency-Key", "X-Keyword"})
    CHECK(header_after(r, ordinary, "plain") == "plain");
  CHECK(r.counts().at("header X-Api-Key") == 1);
}

TEST_CASE("a secret JSON field is redacted whatever the type of its value, at any depth") {
  Redactor r(RedactionRules::defaults());
  CHECK(redacted_body(r, R"({"api_key":"k1","apiKey":"k2","client_secret":"c1"})") ==
        R"({"api_key":"{{redacted:1}}","apiKey":"{{redacted:2}}","client_secret":"{{redacted:3}}"})");
  CHECK(redacted_body(r, R"({"token": 12345, "pin_ok": true})") ==
        R"({"token": "{{redacted:4}}", "pin_ok": true})");
  CHECK(redacted_body(r, R"({"secret":false,"password":-1.5e3})") ==
        R"({"secret":"{{redacted:5}}","password":"{{redacted:6}}"})");
  // An object or an array under a secret name is one secret, taken whole.
  CHECK(redacted_body(r, R"({"private_key":{"kty":"RSA","d":"x}y\"z"},"n":1})") ==
        R"({"private_key":"{{redacted:7}}","n":1})");
  CHECK(redacted_body(r, R"({"credentials":["u", "p"], "list":[{"a":[{"access_token":"deep"}]}]})") ==
        R"({"credentials":"{{redacted:8}}", "list":[{"a":[{"access_token":"{{redacted:9}}"}]}]})");
  // null, {} and [] hide nothing.
  CHECK(redacted_body(r, R"({"token":null,"secret":{},"password":[ ]})") ==
        R"({"token":null,"secret":{},"password":[ ]})");
}

TEST_CASE("ordinary fields near secret names are kept: counters of tokens, keyword, monkey, author") {
  Redactor r(RedactionRules::defaults());
  std::string body =
      R"({"keyword":"k","monkey":"m","author":"a","tokens_used":42,"max_tokens":100,)"
      R"("usage":{"prompt_tokens":5,"total_tokens":9},"token_type":"Bearer","session":"s","public_key":"pk"})";
  CHECK(redacted_body(r, body) == body);
  CHECK(r.counts().empty());
}

TEST_CASE("a number secret keeps one placeholder wherever it travels") {
  Redactor r(RedactionRules::defaults());
  Exchange login = response({{"Content-Type", "application/json"}}, R"({"token":987654})");
  r.redact(login);
  Exchange later = request({}, "", "/items?token=987654");
  r.redact(later);
  CHECK(login.res->body.data == R"({"token":"{{redacted:1}}"})");
  CHECK(later.req.target == "/items?token={{redacted:1}}");
}

TEST_CASE("query strings, fragments and URL headers have their credentials replaced") {
  Redactor r(RedactionRules::defaults());
  Exchange x = request({{"Referer", "http://app/cb?code=1&state=s&client_secret=cs"}}, "",
                       "/v1/files?api_key=K&X-Amz-Signature=SIG&X-Amz-Date=20260101&keyword=shoes&sig=S2");
  x.res.emplace();
  x.res->status = 302;
  x.res->headers = {{"Location", "http://app/cb#access_token=AT&state=s&token_type=bearer"}};
  r.redact(x);
  CHECK(x.req.target ==
        "/v1/files?api_key={{redacted:2}}&X-Amz-Signature={{redacted:3}}&X-Amz-Date=20260101&keyword=shoes&"
        "sig={{redacted:4}}");
  CHECK(x.req.headers[0].second == "http://app/cb?code=1&state=s&client_secret={{redacted:1}}");
  CHECK(x.res->headers[0].second == "http://app/cb#access_token={{redacted:5}}&state=s&token_type=bearer");
  Exchange question_in_fragment = request({}, "", "/page#a?token=t");
  r.redact(question_in_fragment);
  CHECK(question_in_fragment.req.target == "/page#a?token={{redacted:6}}");
}

TEST_CASE("form fields are matched by their decoded names") {
  Redactor r(RedactionRules::defaults());
  CHECK(redacted_body(r, "user%5Bemail%5D=a%40b&user%5Bpassword%5D=pw&apiKey=k&keyword=x",
                      "application/x-www-form-urlencoded") ==
        "user%5Bemail%5D=a%40b&user%5Bpassword%5D={{redacted:1}}&apiKey={{redacted:2}}&keyword=x");
  CHECK(r.counts().at("form user[password]") == 1);
}

TEST_CASE("the JSON in an event stream's data lines is redacted, the framing kept") {
  Redactor r(RedactionRules::defaults());
  std::string stream =
      ": hello\r\n\r\n"
      "event: session\r\nid: 7\r\ndata: {\"access_token\":\"sse-secret\",\"n\":1}\r\n\r\n"
      "data: {\"user\": {\"name\": \"ann\",\r\ndata:  \"api_key\": \"k-9\"}}\r\n\r\n"
      "data: [DONE]\r\n\r\n"
      "data: token=plain text\n\n"
      "data: {\"token\":\"cut-off";
  Exchange x = response({{"Content-Type", "text/event-stream; charset=utf-8"}}, stream);
  x.res->body.size = stream.size() + 100;  // kept up to the body limit
  r.redact(x);
  CHECK(x.res->body.data ==
        ": hello\r\n\r\n"
        "event: session\r\nid: 7\r\ndata: {\"access_token\":\"{{redacted:1}}\",\"n\":1}\r\n\r\n"
        "data: {\"user\": {\"name\": \"ann\",\r\ndata:  \"api_key\": \"{{redacted:2}}\"}}\r\n\r\n"
        "data: [DONE]\r\n\r\n"
        "data: token=plain text\n\n"
        "data: {\"token\":\"{{redacted:3}}\"");
  CHECK(x.res->body.truncated());
}

TEST_CASE("an event stream that names no secret is kept byte for byte") {
  Redactor r(RedactionRules::defaults());
  std::string stream = "event: tick\ndata: 0\n\ndata: {\"n\": 1}\r\rdata";
  Exchange x = response({{"Content-Type", "text/event-stream"}}, stream);
  r.redact(x);
  CHECK(x.res->body.data == stream);
}

TEST_CASE("a rules file's names are compared loosely, as the default names are") {
  TempFile file(R"({"headers":["x_tenant_key"],"fields":["card-number"]})");
  auto rules = RedactionRules::defaults();
  rules.add_file(file.path());
  Redactor r(rules);
  CHECK(header_after(r, "X-Tenant-Key", "tk") == "{{redacted:1}}");
  CHECK(redacted_body(r, R"({"cardNumber":"4111","CARD_NUMBER":4242,"card":"x"})") ==
        R"({"cardNumber":"{{redacted:2}}","CARD_NUMBER":"{{redacted:3}}","card":"x"})");
  CHECK_THAT(rules_error(R"({"fields":["--"]})"),
             Catch::Matchers::StartsWith(":field fields: '--' has no letter"));
}

TEST_CASE("a capture's distinct secrets cost the redactor a few bytes each, not copies of them") {
  // Every login of a long recording is a new token the redactor must map to the same placeholder
  // for the rest of the capture: what it keeps per secret grows with the recording.
  Redactor r(RedactionRules::defaults());
  constexpr int kSecrets = 50000;
  auto in_use = [] {
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
  };
  char token[64];
  Exchange x = request({{"Authorization", ""}});
  auto redact = [&](int i) {
    std::snprintf(token, sizeof token, "Bearer tok_%032x", static_cast<unsigned>(i) * 2654435761u);
    x.req.headers[0].second = token;
    r.redact(x);
  };
  redact(0);
  size_t before = in_use();
  for (int i = 1; i <= kSecrets; ++i) redact(i);
  CHECK(x.req.headers[0].second == "Bearer {{redacted:" + std::to_string(kSecrets + 1) + "}}");
  redact(7);  // an earlier secret keeps its placeholder
  CHECK(x.req.headers[0].second == "Bearer {{redacted:8}}");
  double per_secret = static_cast<double>(in_use() - before) / kSecrets;
  INFO("bytes per distinct secret: " << per_secret);
  CHECK(per_secret < 48);
}
