#include "demo/Regression.hpp"

namespace reprise::demo {
namespace {

using Json = nlohmann::ordered_json;

// The key `from` renamed `to` where it stands, so that only the name differs from the usual answer.
void rename_key(Json& object, const char* from, const char* to) {
  if (!object.contains(from)) return;
  Json renamed = Json::object();
  for (auto it = object.begin(); it != object.end(); ++it)
    renamed[it.key() == from ? to : it.key()] = it.value();
  object = std::move(renamed);
}

void number_to_string(Json& object, const char* field) {
  auto it = object.find(field);
  if (it != object.end() && it->is_number()) *it = it->dump();
}

struct NamedKind {
  const char* name;
  Regression kind;
};
constexpr NamedKind kKinds[] = {{"renamed-field", Regression::renamed_field},
                                {"number-string", Regression::number_string},
                                {"status", Regression::status},
                                {"sse-event", Regression::sse_event},
                                {"empty-list", Regression::empty_list}};

}  // namespace

const std::vector<std::string>& regression_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& k : kKinds) out.emplace_back(k.name);
    return out;
  }();
  return names;
}

std::optional<Regression> regression_from_name(std::string_view name) {
  for (const auto& k : kKinds)
    if (name == k.name) return k.kind;
  return std::nullopt;
}

void Regressions::apply(ChatRoute route, int& status, Json& body) const {
  if (kinds_.empty() || status < 200 || status > 299) return;
  if (route == ChatRoute::send && has(Regression::renamed_field)) rename_key(body, "content", "text");
  // sender_id: the caller's own id, which no later request takes from this answer (a message's
  // id and room id are left alone too, so replay's correlation is not what breaks).
  if (route == ChatRoute::send && has(Regression::number_string)) number_to_string(body, "sender_id");
  if (route == ChatRoute::create_room && has(Regression::status)) status = 200;
  if (route == ChatRoute::messages && has(Regression::empty_list)) body["messages"] = Json::array();
}

bool Regressions::sends_event(std::string_view name) const {
  return !(name == "connected" && has(Regression::sse_event));
}

}  // namespace reprise::demo
