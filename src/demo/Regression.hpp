// The deliberate regressions of `reprise upstream-demo --regression KIND`, for testing a response
// comparison: each kind changes exactly one thing of one route the demo's traffic exercises (a
// field's name, a field's JSON type, the status, an SSE event type, a list's items), the same way
// on every answer. The table is in docs/demo.md. What must not be here: any other change to an
// answer, or anything random; the noise field (--noise-field) is ChatService's.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "demo/ChatRoute.hpp"

namespace reprise::demo {

enum class Regression { renamed_field, number_string, status, sse_event, empty_list };

// The kinds by their command-line names, in the order of docs/demo.md's table.
const std::vector<std::string>& regression_names();
// nullopt for a name that is not a kind.
std::optional<Regression> regression_from_name(std::string_view name);

class Regressions {
 public:
  Regressions() = default;
  explicit Regressions(std::set<Regression> kinds) : kinds_(std::move(kinds)) {}

  // Changes a successful (2xx) answer of `route` as the kinds on ask; any other answer is left alone.
  void apply(ChatRoute route, int& status, nlohmann::ordered_json& body) const;
  // False for the SSE event type a kind takes out of the notification stream.
  bool sends_event(std::string_view name) const;
  bool empty() const { return kinds_.empty(); }

 private:
  bool has(Regression kind) const { return kinds_.count(kind) != 0; }

  std::set<Regression> kinds_;
};

}  // namespace reprise::demo
