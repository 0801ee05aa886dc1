#include "capture/SecretNames.hpp"

#include <catch2/catch.hpp>
#include <string>

using reprise::capture::is_default_secret_name;
using reprise::capture::loose_name;
using reprise::capture::secret_stems;

namespace {

// Names real APIs give their credentials, spelled as they spell them.
const char* const kSecrets[] = {
    // API keys
    "X-Api-Key",
    "x-api-key",
    "X-API-KEY",
    "api_key",
    "apiKey",
    "APIKey",
    "apikey",
    "api-key",
    "x-goog-api-key",
    "X-RapidAPI-Key",
    "Ocp-Apim-Subscription-Key",
    "access_key",
    "app_key",
    "X-Auth-Key",
    "aws_secret_access_key",
    "AccountKey",
    "signing_key",
    "master-key",
    // client secrets
    "client_secret",
    "clientSecret",
    "CLIENT_SECRET",
    "secret",
    "webhook_secret",
    "oauth_token_secret",
    // session ids
    "sessionid",
    "session_id",
    "sessionId",
    "X-Session-Id",
    "JSESSIONID",
    "PHPSESSID",
    "sid",
    "connect.sid",
    "session_key",
    // signatures
    "signature",
    "X-Amz-Signature",
    "X-Hub-Signature-256",
    "Stripe-Signature",
    "oauth_signature",
    "sig",
    "X-Goog-Credential",
    "X-Amz-Credential",
    // passwords
    "password",
    "Password",
    "PASSWORD",
    "new_password",
    "newPassword",
    "password2",
    "password_confirmation",
    "passwordConfirm",
    "password_hash",
    "passwd",
    "pwd",
    "user_pwd",
    "passphrase",
    "passcode",
    "user[password]",
    // tokens of every kind
    "token",
    "Token",
    "access_token",
    "accessToken",
    "AccessToken",
    "accesstoken",
    "refresh_token",
    "id_token",
    "X-Auth-Token",
    "X-Access-Token",
    "X-CSRF-Token",
    "X-XSRF-TOKEN",
    "csrfmiddlewaretoken",
    "_csrf",
    "authenticity_token",
    "X-Amz-Security-Token",
    "PRIVATE-TOKEN",
    "bearer_token",
    "jwt",
    "token_hash",
    // private keys
    "private_key",
    "privateKey",
    "Private-Key",
    "secret_key",
    "secretKey",
    "encryption_key",
    // authorization and cookies
    "Authorization",
    "authorization",
    "Proxy-Authorization",
    "X-Authorization",
    "Cookie",
    "Set-Cookie",
    "Set-Cookie2",
    "cookies",
    "credentials",
    "credential",
    "bearer",
};

// Ordinary fields that share letters, words or stems with secret names.
const char* const kOrdinary[] = {
    "keyword",
    "monkey",
    "author",
    "authorId",
    "authority",
    "tokens_used",
    "max_tokens",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "tokens",
    "token_count",
    "token_type",
    "tokenizer",
    "passwordless",
    "password_min_length",
    "secretary",
    "secret_name",
    "Content-Type",
    "Accept",
    "User-Agent",
    "Sec-WebSocket-Key",
    "Idempotency-Key",
    "public_key",
    "publishable_key",
    "private_key_id",
    "api_key_id",
    "access_key_id",
    "WWW-Authenticate",
    "X-Authorization-Hint",
    "preauthorization",
    "session",
    "sessions",
    "inside",
    "design",
    "signal",
    "consider",
    "passenger",
    "bypass",
    "keys",
    "user_id",
    "client_id",
    "expires_in",
    "email",
    "name",
    "id",
    "hash",
    "digest",
    "",
    "-",
    "2",
    "signature_version",
    "cookie_policy",
};

}  // namespace

TEST_CASE("the default rules know credentials by the names APIs give them") {
  for (const char* name : kSecrets) {
    INFO(name);
    CHECK(is_default_secret_name(name));
  }
}

TEST_CASE("ordinary names that look a little like secret ones are not secrets") {
  for (const char* name : kOrdinary) {
    INFO(name);
    CHECK_FALSE(is_default_secret_name(name));
  }
}

TEST_CASE("every default secret name holds a stem, so the quick look before a scan never misses one") {
  for (std::string name : kSecrets) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool found = false;
    for (auto stem : secret_stems()) found = found || name.find(stem) != std::string::npos;
    INFO(name);
    CHECK(found);
  }
}

TEST_CASE("loose names ignore case and everything between words") {
  CHECK(loose_name("X-Api-Key") == "xapikey");
  CHECK(loose_name("x_api_key") == "xapikey");
  CHECK(loose_name("xApiKey") == "xapikey");
  CHECK(loose_name("user.SSN 2") == "userssn2");
  CHECK(loose_name("--").empty());
}

TEST_CASE("a very long name is judged by its end") {
  CHECK(is_default_secret_name(std::string(500, 'a') + "_token"));
  CHECK_FALSE(is_default_secret_name(std::string(500, 'a') + "_tokens"));
  CHECK(is_default_secret_name(std::string(200, '-') + "sid"));
}

TEST_CASE("mentions_a_stem finds a stem in any case, anywhere, and nothing else", "[capture][secrets]") {
  using reprise::capture::mentions_a_stem;
  CHECK(mentions_a_stem(R"({"user":"a","password":"b"})"));
  CHECK(mentions_a_stem("X-CSRF"));
  CHECK(mentions_a_stem("access_Token"));
  CHECK(mentions_a_stem("...jwt"));  // at the very end
  CHECK_FALSE(mentions_a_stem(R"({"id":42,"room":"general","text":"hello"})"));
  CHECK_FALSE(mentions_a_stem("toke"));  // a stem cut by the end
  CHECK_FALSE(mentions_a_stem(""));
  for (auto stem : secret_stems()) CHECK(mentions_a_stem(std::string("zz") + std::string(stem)));
}

TEST_CASE("mentions_a_stem agrees with a plain search at every offset and in random text",
          "[capture][secrets]") {
  using reprise::capture::mentions_a_stem;
  auto plain_search = [](std::string text) {
    for (char& c : text)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    for (auto stem : secret_stems())
      if (text.find(stem) != std::string::npos) return true;
    return false;
  };
  for (auto stem : secret_stems())
    for (size_t lead = 0; lead < 5; ++lead)
      for (size_t tail = 0; tail < 3; ++tail) {
        std::string text = std::string(lead, '_') + std::string(stem) + std::string(tail, '"');
        text[lead] = static_cast<char>(text[lead] - 32);  // upper case at the start
        CAPTURE(text);
        CHECK(mentions_a_stem(text));
        CHECK_FALSE(mentions_a_stem(text.substr(0, lead + stem.size() - 1)));  // cut short
      }
  const std::string letters = "pastokejwcryxiguhnbd_\"Sa:";  // the stems' letters and some others
  uint32_t seed = 7;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    seed = seed * 1664525u + 1013904223u;
    for (size_t n = (seed >> 24) % 16; n > 0; --n) {
      seed = seed * 1664525u + 1013904223u;
      text += letters[(seed >> 16) % letters.size()];
    }
    CAPTURE(text);
    REQUIRE(mentions_a_stem(text) == plain_search(text));
  }
}
