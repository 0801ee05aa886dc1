#include "proxy/RouteNames.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "metrics/RouteTags.hpp"

using reprise::metrics::RouteTags;
using reprise::proxy::RouteNames;

TEST_CASE("route names: the same names as RouteTags, found again without folding", "[proxy][routes]") {
  std::map<std::string, std::string> routes = {{"SendMessage", "POST /api/chat/rooms/*/messages"},
                                               {"Login", "POST /api/users/login"},
                                               {"AnyMe", "* /api/users/me"}};
  RouteTags tags(routes);
  RouteNames names(routes);
  const std::pair<const char*, const char*> requests[] = {
      {"POST", "/api/chat/rooms/17/messages"},
      {"POST", "/api/chat/rooms/17/messages?x=1"},
      {"post", "/api/users/login"},
      {"GET", "/api/users/me"},
      {"DELETE", "/api/users/me"},
      {"GET", "/api/chat/rooms/17/messages"},
      {"GET", "/api/chat/rooms/18/messages?limit=5"},  // the folded path met again
      {"GET", "/api/chat/rooms/general/messages"},     // not an id: a name of its own
      {"GET", "/api/chat/rooms/{id}/messages"},        // a literal {id} folds to itself
      {"POST", "/api/chat/rooms/17/messages/3"},
      {"POST", "/api/users/login/"},
      {"GET", "/a/5f0c6b9e-3c1a-4e8b-9d2f-0a1b2c3d4e5f"},
      {"GET", "/a/0123456789abcdef0123"},
      {"GET", "/a/%7B%7Bredacted%3A3%7D%7D"},
      {"GET", "/a/beef"},
      {"GET", "http://example.test/api/users/9?x"},  // absolute form
      {"GET", "/"},
      {"OPTIONS", "*"},
  };
  for (int round = 0; round < 2; ++round) {
    for (const auto& [method, target] : requests) {
      INFO(method << " " << target);
      CHECK(names.name(names.index_of(method, target)) == tags.name_of(method, target));
    }
  }
  CHECK(names.index_of("GET", "/api/chat/rooms/17/messages") ==
        names.index_of("GET", "/api/chat/rooms/99/messages"));
  CHECK(names.index_of("GET", "/api/chat/rooms/17/messages") !=
        names.index_of("GET", "/api/chat/rooms/a/messages"));
}

TEST_CASE("route names: past the limit of folded paths, new ones share one name", "[proxy][routes]") {
  RouteNames names(std::map<std::string, std::string>{});
  for (size_t i = 0; i < RouteNames::kMaxFolded; ++i)
    CHECK(names.name(names.index_of("GET", "/p" + std::to_string(i))) == "/p" + std::to_string(i));
  CHECK(names.name(names.index_of("GET", "/q")) == RouteNames::kOther);
  CHECK(names.name(names.index_of("GET", "/r/1")) == RouteNames::kOther);
  CHECK(names.name(names.index_of("GET", "/p7")) == "/p7");  // known ones keep their names
}
