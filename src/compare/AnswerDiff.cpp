#include "compare/AnswerDiff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "capture/SecretNames.hpp"

namespace reprise::compare {
namespace {

constexpr size_t kExample = 80;  // characters of a value shown

std::string shorten(std::string text) {
  if (text.size() > kExample) {
    text.resize(kExample - 3);
    text += "...";
  }
  return text;
}

std::string example(std::string_view key, const nlohmann::json& j) {
  if (!key.empty() && capture::is_default_secret_name(key) && !j.is_object() && !j.is_array())
    return "{{redacted}}";
  if (j.is_object()) return j.empty() ? "{}" : "{...}";
  if (j.is_array()) return fmt::format("[{} items]", j.size());
  return shorten(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string text_of(const nlohmann::json& j) {
  return j.is_string() ? j.get<std::string>() : j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out.append(out.empty() ? "" : ", ").append(s);
  return shorten(out);
}

class Comparison {
 public:
  Comparison(const CompareContext& c, std::vector<Difference>& out) : c_(c), out_(out) {}

  void answers(const Answer& rec, const Answer& live) {
    if (rec.status != live.status) {
      add("status", Difference::Kind::status, std::to_string(rec.status), std::to_string(live.status));
      return;  // another answer: its body is not the recorded one's to compare
    }
    if (rec.media_type != live.media_type && !header_ignored("content-type")) {
      add("header Content-Type", Difference::Kind::media_type, rec.media_type, live.media_type);
      return;
    }
    headers(rec, live);
    if (rec.stream && live.stream) {
      events(rec, live);
    } else if (rec.has_json && live.has_json) {
      std::string path = "$";
      node(rec.json, live.json, path, {}, true);
    } else if (rec.has_json != live.has_json && is_json_media(rec.media_type) && rec.body_kept && live.body_kept) {
      add("$", Difference::Kind::type, rec.has_json ? type_name(rec.json) : "not JSON",
          live.has_json ? type_name(live.json) : "not JSON");
    }
  }

 private:
  bool full() const { return out_.size() >= kMaxDifferences; }

  void add(std::string field, Difference::Kind kind, std::string rec, std::string live) {
    if (!full()) out_.push_back({std::move(field), kind, std::move(rec), std::move(live)});
  }

  bool header_ignored(std::string_view name) const {
    return (c_.ignore && c_.ignore->header(name)) || (c_.learned && c_.learned->header_varies(name));
  }

  void headers(const Answer& rec, const Answer& live) {
    std::vector<std::string> only_rec, only_live;
    std::set_difference(rec.header_names.begin(), rec.header_names.end(), live.header_names.begin(),
                        live.header_names.end(), std::back_inserter(only_rec));
    std::set_difference(live.header_names.begin(), live.header_names.end(), rec.header_names.begin(),
                        rec.header_names.end(), std::back_inserter(only_live));
    for (const auto& h : only_rec)
      if (!header_ignored(h)) add("header " + h, Difference::Kind::header_missing, "present", "absent");
    for (const auto& h : only_live)
      if (!header_ignored(h)) add("header " + h, Difference::Kind::header_added, "absent", "present");
  }

  // Event types the recording's stream had and the live one did not, the reverse (when the
  // recording kept the whole stream), and the order the types first came in.
  void events(const Answer& rec, const Answer& live) {
    auto firsts = [](const std::vector<std::string>& types) {
      std::vector<std::string> out;
      for (const auto& t : types)
        if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
      return out;
    };
    auto varies = [&](const std::string& t) { return c_.learned && c_.learned->event_type_varies(t); };
    const auto r = firsts(rec.event_types), l = firsts(live.event_types);
    auto has = [](const std::vector<std::string>& list, const std::string& t) {
      return std::find(list.begin(), list.end(), t) != list.end();
    };
    for (const auto& t : r)
      if (!has(l, t) && live.stream_whole && !varies(t))
        add("event " + t, Difference::Kind::event_missing, join(r), join(l));
    for (const auto& t : l)
      if (!has(r, t) && rec.stream_whole && !varies(t))
        add("event " + t, Difference::Kind::event_added, join(r), join(l));
    std::vector<std::string> r_common, l_common;
    std::copy_if(r.begin(), r.end(), std::back_inserter(r_common), [&](const auto& t) { return has(l, t) && !varies(t); });
    std::copy_if(l.begin(), l.end(), std::back_inserter(l_common), [&](const auto& t) { return has(r, t) && !varies(t); });
    if (r_common != l_common) add("events", Difference::Kind::event_order, join(r), join(l));
  }

  bool ignored(const std::string& path) const { return c_.ignore && c_.ignore->path(path); }

  // A value that differs without saying anything: noise by format or name, learned, or mapped.
  bool noise(std::string_view key, const nlohmann::json& rec, const nlohmann::json& live, const std::string& path) {
    if (volatile_values(key, rec, live)) return true;
    if (c_.learned && c_.learned->value_varies(path)) return true;
    if (!c_.mapped) return false;
    return c_.mapped(text_of(rec), text_of(live));
  }

  // `values`: false inside lists of different lengths, whose items are other items: only their
  // structure is compared.
  void node(const nlohmann::json& rec, const nlohmann::json& live, std::string& path, std::string_view key,
            bool values) {
    if (full() || ignored(path)) return;
    const std::string rt = type_name(rec), lt = type_name(live);
    if (rt != lt) {
      if (!(c_.learned && c_.learned->type_varies(path)))
        add(field_name(path), Difference::Kind::type, rt + " " + example(key, rec), lt + " " + example(key, live));
      return;
    }
    if (rec.is_object()) return object(rec, live, path, values);
    if (rec.is_array()) return array(rec, live, path, values);
    if (values && rec != live && !noise(key, rec, live, path))
      add(field_name(path), Difference::Kind::value, example(key, rec), example(key, live));
  }

  void object(const nlohmann::json& rec, const nlohmann::json& live, std::string& path, bool values) {
    const size_t keep = path.size();
    const std::string parent = path;
    auto each_only = [&](const nlohmann::json& a, const nlohmann::json& b, Difference::Kind kind) {
      for (const auto& [k, v] : a.items()) {
        if (b.contains(k)) continue;
        append_key(path, k);
        if (!ignored(path) && !(c_.learned && c_.learned->presence_varies(parent, path))) {
          std::string shown = example(k, v);
          if (kind == Difference::Kind::missing)
            add(field_name(path), kind, std::move(shown), "absent");
          else
            add(field_name(path), kind, "absent", std::move(shown));
        }
        path.resize(keep);
      }
    };
    each_only(rec, live, Difference::Kind::missing);
    each_only(live, rec, Difference::Kind::added);
    for (const auto& [k, v] : rec.items()) {
      auto it = live.find(k);
      if (it == live.end()) continue;
      append_key(path, k);
      node(v, *it, path, k, values);
      path.resize(keep);
    }
  }

  // A list that grew or shrank is what load does to shared state (search results, a room's
  // messages); one that became empty, or stopped being empty, is a difference.
  void array(const nlohmann::json& rec, const nlohmann::json& live, std::string& path, bool values) {
    const bool same = rec.size() == live.size();
    if (rec.empty() != live.empty() && !(c_.learned && c_.learned->length_varies(path)))
      add(field_name(path), Difference::Kind::length, fmt::format("{} items", rec.size()),
          fmt::format("{} items", live.size()));
    const size_t keep = path.size();
    for (size_t i = 0; i < std::min(rec.size(), live.size()) && !full(); ++i) {
      append_index(path, i);
      node(rec[i], live[i], path, {}, values && same);
      path.resize(keep);
    }
  }

  const CompareContext& c_;
  std::vector<Difference>& out_;
};

}  // namespace

std::string_view kind_name(Difference::Kind kind) {
  switch (kind) {
    case Difference::Kind::status: return "status";
    case Difference::Kind::media_type: return "content type";
    case Difference::Kind::header_missing: return "header missing";
    case Difference::Kind::header_added: return "header added";
    case Difference::Kind::missing: return "missing";
    case Difference::Kind::added: return "added";
    case Difference::Kind::type: return "type";
    case Difference::Kind::value: return "value";
    case Difference::Kind::length: return "length";
    case Difference::Kind::event_missing: return "event type missing";
    case Difference::Kind::event_added: return "event type added";
    case Difference::Kind::event_order: return "event order";
  }
  return "?";
}

void compare_answers(const Answer& recorded, const Answer& live, const CompareContext& context,
                     std::vector<Difference>& out) {
  Comparison(context, out).answers(recorded, live);
}

}  // namespace reprise::compare
