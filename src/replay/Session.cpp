#include "replay/Session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <unordered_map>

#include "http/EventStream.hpp"
#include "http/MessageHead.hpp"
#include "metrics/RouteTags.hpp"
#include "replay/Identities.hpp"
#include "replay/Users.hpp"

namespace reprise::replay {
namespace {

using capture::Exchange;

bool is_websocket(const Exchange& x) {
  return (x.stream && x.stream->kind == "websocket") || (x.res && x.res->status == 101);
}

std::string label_of(const Exchange& x) { return fmt::format("#{} {} {}", x.id, x.req.method, x.req.target); }

// Builds one session from its connections: every exchange of the user in time order (xs_),
// each knowing its flow, so that an answer on one connection can feed a request on another.
// The name tags and methods of all sessions' steps, each once. Every folded path keeps a name of
// its own (no RouteTags limit: a capture is finite, and its routes are what the replay reports).
class TagIndex {
 public:
  TagIndex(const Profile& profile, std::vector<metrics::RouteKey>& keys)
      : routes_(profile.routes, metrics::RouteTags::kNoLimit), keys_(keys) {}
  const metrics::RouteKey& key(int tag) const { return keys_[static_cast<size_t>(tag)]; }
  int of(const capture::Request& req) {
    auto [it, fresh] = index_.try_emplace({routes_.name_of(req.method, req.target), req.method},
                                          static_cast<int>(keys_.size()));
    if (fresh) keys_.push_back(it->first);
    return it->second;
  }

 private:
  metrics::RouteTags routes_;
  std::vector<metrics::RouteKey>& keys_;
  std::map<metrics::RouteKey, int> index_;
};

// What every session's builder shares: the profile, the options, the tags, what the whole
// capture says about fields, and the notes of every step so far.
struct BuildContext {
  const Profile& profile;
  const SessionOptions& options;
  TagIndex& tags;
  const FieldEvidence& fields;
  const AutomaticHandouts& handouts;
  std::vector<StepNote>& notes;
  SessionBuild& out;
};

bool is_credential_header(std::string_view name) {
  return http::iequals(name, "Authorization") || http::iequals(name, "Cookie");
}

class Builder {
 public:
  // `flows` are the group's connections; `user_of_flow` says whose each is.
  Builder(const std::vector<const std::vector<const Exchange*>*>& flows, const std::vector<int>& user_of_flow,
          int users, BuildContext& context)
      : profile_(context.profile), context_(context), users_(users) {
    for (size_t f = 0; f < flows.size(); ++f)
      for (const Exchange* x : *flows[f]) {
        xs_.push_back(x);
        flow_of_[x] = static_cast<int>(f);
        user_of_[x] = user_of_flow[f];
      }
    std::stable_sort(xs_.begin(), xs_.end(),
                     [](const Exchange* a, const Exchange* b) { return a->t_us < b->t_us; });
    global_id_.assign(xs_.size(), -1);
    index_requests();
  }

  Session build() {
    Session s;
    s.key = xs_.front()->session;
    s.start_us = xs_.front()->t_us;
    s.users = users_;
    find_identities(s);
    for (size_t k = 0; k < xs_.size(); ++k) find_producers(s, k);
    std::map<int, size_t> flow_index;
    std::vector<std::pair<size_t, size_t>> at(xs_.size());  // each exchange's flow and step
    std::vector<const Exchange*> previous;                  // by flow: its last exchange so far
    for (size_t k = 0; k < xs_.size(); ++k) {
      auto [it, fresh] = flow_index.try_emplace(flow_of_[xs_[k]], s.flows.size());
      if (fresh) {
        s.flows.push_back({xs_[k]->session, xs_[k]->t_us - s.start_us, {}});
        previous.push_back(nullptr);
      }
      Flow& flow = s.flows[it->second];
      at[k] = {it->second, flow.steps.size()};
      flow.steps.push_back(make_step(s, k, s.start_us + flow.start_us, previous[it->second]));
      previous[it->second] = xs_[k];
    }
    auto step_of = [&](size_t k) -> Step& { return s.flows[at[k].first].steps[at[k].second]; };
    follow_streams();
    for (size_t i = 0; i < s.slots.size(); ++i) {  // only handouts some request uses are read live
      Slot& slot = s.slots[i];
      if (slot.identity >= 0 || slot.uses == 0) continue;
      slot.flow = static_cast<int>(at[static_cast<size_t>(producers_[i].step)].first);
      Step& step = step_of(static_cast<size_t>(producers_[i].step));
      Extraction e{static_cast<int>(i), producers_[i].handout};
      (e.place.from == Handout::From::json ? step.from_body : step.from_head).push_back(std::move(e));
    }
    for (auto [k, before] : cross_flow_after_) {  // the latest step of each other flow
      StepRef ref{static_cast<int>(at[before].first), static_cast<int>(at[before].second)};
      auto& after = step_of(k).after;
      auto same = std::find_if(after.begin(), after.end(), [&](const StepRef& r) { return r.flow == ref.flow; });
      if (same == after.end())
        after.push_back(ref);
      else
        same->step = std::max(same->step, ref.step);
    }
    return s;
  }

 private:
  // A request sent while another flow's event stream was open waits for that stream's head: the
  // events the stream saw were the doing of such requests, and under load the stream's connect
  // can come later than recorded.
  void follow_streams() {
    for (size_t s = 0; s < xs_.size(); ++s) {
      const Exchange& stream = *xs_[s];
      if (!stream.res || !event_stream(*stream.res)) continue;
      const int64_t open_at = stream.t_us + stream.res->ttfb_us;
      for (size_t k = s + 1; k < xs_.size(); ++k)
        if (xs_[k]->t_us >= open_at && flow_of_[xs_[k]] != flow_of_[&stream]) cross_flow_after_.emplace_back(k, s);
    }
  }

  static bool event_stream(const capture::Response& res) {
    for (const auto& [name, value] : res.headers)
      if (http::iequals(name, "Content-Type")) return http::is_event_stream(value);
    return false;
  }

  // Each slot is one value from one place: a handout of one answer, or an identity.
  struct Producer {
    int step = -1;  // -1: an identity
    Handout handout;
    std::string path;  // the producing request's path, to match "/rooms/{id}" with POST /rooms
  };

  // The profile's templates take every value of their field in the group's requests; the other
  // fields that make each user unique are found from its traffic (replay/Identities).
  void find_identities(Session& s) {
    std::set<std::string> templated;
    for (const auto& f : profile_.identities) {
      templated.insert(f.field);
      for (const Exchange* x : xs_) {
        auto value = identity_value(x->req, f.field);
        if (value && !value->empty() && !values_.count(*value))
          add_identity(s, {f.field, user_of_[x], f.value_template}, *value);
      }
    }
    if (!profile_.auto_identities) return;
    std::vector<std::vector<const Exchange*>> by_user(static_cast<size_t>(users_));
    for (const Exchange* x : xs_) by_user[static_cast<size_t>(user_of_[x])].push_back(x);
    for (int u = 0; u < users_; ++u)
      for (auto& [field, value] : creating_fields(by_user[static_cast<size_t>(u)], context_.fields))
        if (!templated.count(field) && !values_.count(value)) add_identity(s, {field, u, {}}, value);
  }

  void add_identity(Session& s, Identity identity, const std::string& value) {
    std::string origin =
        "identity " + identity.field + (identity.value_template.empty() ? " (automatic)" : "");
    add_slot(s, {value, static_cast<int>(s.identities.size()), {std::move(origin)}, 0}, {}, false);
    s.identities.push_back(std::move(identity));
  }

  // Answer k hands out a value when request k did not carry it (else it is an echo: a message
  // posted to room 1 answers room_id 1), a later request carries it, and the client did not
  // send it before any answer did.
  void find_producers(Session& s, size_t k) {
    if (!xs_[k]->res) return;
    const auto& rules = profile_.correlate;
    const bool automatic_only = context_.options.auto_correlate && rules.json_fields.empty() &&
                                rules.headers.empty() && rules.ignore.empty();
    const auto found = automatic_only ? std::vector<Handout>{}
                                      : find_handouts(*xs_[k]->res, rules, context_.options.auto_correlate);
    for (const auto& h : automatic_only ? context_.handouts.of(*xs_[k]) : found) {
      if (h.id && context_.options.compare) s.handed_ids.insert(h.value);
      const auto& at = carried_at(h.value, h.id);
      if (at.empty() || at.back() <= k || std::binary_search(at.begin(), at.end(), k)) continue;
      auto known = values_.find(h.value);
      if (known == values_.end() && at.front() < k) continue;  // the client had it first
      if (known != values_.end() && known->second.identity) continue;
      std::string origin = h.describe() + " of " + label_of(*xs_[k]);
      add_slot(s, {h.value, -1, {std::move(origin)}, 0}, {static_cast<int>(k), h, path_of(*xs_[k])}, h.id);
    }
  }

  // Every value standing whole in every request, once: the requests that carry it anywhere, and
  // those that carry it where an integer id may stand.
  void index_requests() {
    for (size_t k = 0; k < xs_.size(); ++k)
      RequestTemplate::each_value(xs_[k]->req, [&](std::string_view whole, bool id_place, const Site&) {
        auto& m = mentions_[std::string(whole)];
        if (m.anywhere.empty() || m.anywhere.back() != k) m.anywhere.push_back(k);
        if (id_place && (m.at_id.empty() || m.at_id.back() != k)) m.at_id.push_back(k);
      });
  }

  // The requests (in order) that carry `value` where it would be looked for.
  const std::vector<size_t>& carried_at(const std::string& value, bool id) const {
    static const std::vector<size_t> none;
    auto it = mentions_.find(value);
    return it == mentions_.end() ? none : id ? it->second.at_id : it->second.anywhere;
  }

  static std::string path_of(const Exchange& x) { return x.req.target.substr(0, x.req.target.find('?')); }

  void add_slot(Session& s, Slot slot, Producer producer, bool id) {
    auto& v = values_[slot.recorded];
    if (v.slots.empty()) {
      v.id = id;
      v.identity = slot.identity >= 0;
    }
    v.slots.push_back(static_cast<int>(s.slots.size()));
    s.slots.push_back(std::move(slot));
    producers_.push_back(std::move(producer));
  }

  // Of the answers before step k that handed out the value, the one that fits the place best:
  // the same key (room_id ← room_id), a generic "id" of the resource the path names
  // (/rooms/{id} ← POST /rooms), any "id", then anything; the latest wins a tie.
  int choose(Session& s, std::string_view whole, bool id_place, const Site& site, size_t k) {
    auto found = values_.find(whole);
    if (found == values_.end() || (found->second.id && !id_place)) return -1;
    const Value& v = found->second;
    int best = -1, best_score = -1;
    for (int slot : v.slots) {
      const Producer& p = producers_[static_cast<size_t>(slot)];
      if (p.step >= static_cast<int>(k)) continue;
      int score = p.step >= 0 ? handout_fit(p.handout.where, p.path, site.key, site.segment) : 0;
      if (score >= best_score) {
        best = slot;
        best_score = score;
      }
    }
    if (best >= 0) {
      Slot& chosen = s.slots[static_cast<size_t>(best)];
      ++chosen.uses;
      int before = producers_[static_cast<size_t>(best)].step;
      if (chosen.identity >= 0) {
        const Identity& id = s.identities[static_cast<size_t>(chosen.identity)];
        note_.identities.emplace_back(id.field, id.value_template);
        before = static_cast<int>(carried_at(chosen.recorded, false).front());  // who first sent it
      } else if (before >= 0)
        note_.inputs.push_back(global_id_[static_cast<size_t>(before)]);
      if (before >= 0 && static_cast<size_t>(before) < k &&
          flow_of_[xs_[static_cast<size_t>(before)]] != flow_of_[xs_[k]])
        cross_flow_after_.emplace_back(k, static_cast<size_t>(before));
    }
    return best;
  }

  // Step k, timed from its flow's first request and from the end of the flow's previous answer.
  Step make_step(Session& s, size_t k, int64_t flow_start_us, const Exchange* previous) {
    const Exchange& x = *xs_[k];
    const int tag = context_.tags.of(x.req);
    note_ = {label_of(x), context_.tags.key(tag), x.res ? x.res->status : 0, users_, {}, {}, {}, false, {}};
    SlotLookup lookup = [&](std::string_view whole, bool id_place, const Site& site) {
      return choose(s, whole, id_place, site, k);
    };
    Step step{RequestTemplate(x.req, lookup, context_.options.host),
              static_cast<int>(context_.notes.size()),
              0,
              label_of(x),
              0,
              0,
              0,
              0,
              {},
              {},
              {}};
    global_id_[k] = step.id;
    step.recorded_status = note_.recorded_status;
    step.tag = tag;
    finish_note(x);
    context_.notes.push_back(std::move(note_));
    if (context_.options.compare) expect(x, tag);
    step.offset_us = x.t_us - flow_start_us;
    if (previous)
      step.think_us =
          std::max<int64_t>(0, x.t_us - (previous->t_us + (previous->res ? previous->res->dur_us : 0)));
    step.hold_us = x.res ? x.res->dur_us : 0;
    return step;
  }

  // The recorded answer kept for --compare, and learned from with the others of its kind.
  void expect(const Exchange& x, int tag) {
    Expectation e;
    if (x.res) {
      e.answer = compare::Answer::recorded(*x.res);
      e.kind = compare::LearnedNoise::kind_of(tag, x.res->status, x.req);
      context_.out.learned.kind(e.kind).learn(e.answer);
    }
    context_.out.expected.push_back(std::move(e));
  }

  // What the note says beyond the slots the request took: the fields sent as recorded, and a
  // credential no answer handed out.
  void finish_note(const Exchange& x) {
    std::sort(note_.identities.begin(), note_.identities.end());
    note_.identities.erase(std::unique(note_.identities.begin(), note_.identities.end()),
                           note_.identities.end());
    std::sort(note_.inputs.begin(), note_.inputs.end());
    note_.inputs.erase(std::unique(note_.inputs.begin(), note_.inputs.end()), note_.inputs.end());
    for (const auto& [name, value] : string_fields(x.req)) {
      auto v = values_.find(value);
      if (value.find("{{redacted:") == std::string::npos && (v == values_.end() || !v->second.identity))
        note_.literal_fields.push_back(name);
    }
    std::string_view path = std::string_view(x.req.target).substr(0, x.req.target.find('?')), previous;
    for (size_t at = 0; at < path.size();) {  // integer path segments no answer of the session handed out
      size_t end = std::min(path.find('/', at), path.size());
      std::string_view segment = path.substr(at, end - at);
      if (!segment.empty() && segment.find_first_not_of("0123456789") == std::string_view::npos &&
          !values_.count(segment))
        note_.unresolved_ids.push_back(std::string(previous) + "/" + std::string(segment));
      if (!segment.empty()) previous = segment;
      at = end + 1;
    }
    for (const auto& [name, value] : x.req.headers) {
      if (!is_credential_header(name)) continue;
      for (size_t i = 0; i < value.size();) {
        size_t end = std::min(value.find_first_of(" ,;=\t", i), value.size());
        if (end - i >= 8 && !values_.count(std::string_view(value).substr(i, end - i)))
          note_.unresolved_credential = true;
        i = end + 1;
      }
    }
  }

  struct Value {
    std::vector<int> slots;  // one per producer
    bool id = false;         // an integer id: taken only where an id may stand
    bool identity = false;
  };

  struct Mentions {
    std::vector<size_t> anywhere, at_id;  // request indices, ascending
  };

  std::vector<const Exchange*> xs_;
  std::map<const Exchange*, int> flow_of_;
  std::map<const Exchange*, int> user_of_;
  std::vector<int> global_id_;                           // by exchange: its Step::id, once made
  std::vector<std::pair<size_t, size_t>> cross_flow_after_;  // (exchange, another flow's exchange before it)
  const Profile& profile_;
  BuildContext& context_;
  int users_;
  StepNote note_;  // of the step being made
  std::map<std::string, Value, std::less<>> values_;
  std::unordered_map<std::string, Mentions> mentions_;
  std::vector<Producer> producers_;  // by slot
};

}  // namespace

size_t Session::steps() const {
  size_t n = 0;
  for (const auto& f : flows) n += f.steps.size();
  return n;
}

SessionBuild build_sessions(std::vector<Exchange> exchanges, const Profile& profile,
                            const SessionOptions& options) {
  SessionBuild out;
  Connections connections;
  for (const auto& x : exchanges) {
    if (is_websocket(x)) {
      ++out.skipped_websocket;
      continue;
    }
    connections[x.session].push_back(&x);
  }
  for (auto& [key, xs] : connections)
    std::stable_sort(xs.begin(), xs.end(),
                     [](const Exchange* a, const Exchange* b) { return a->t_us < b->t_us; });
  TagIndex tags(profile, out.tags);
  const auto fields = field_evidence(exchanges);
  AutomaticHandouts handouts;
  for (const auto& [key, xs] : connections)
    for (const auto* x : xs) handouts.add(*x);
  BuildContext context{profile, options, tags, fields, handouts, out.notes, out};
  for (const auto& group : group_users(connections, handouts)) {
    std::vector<const std::vector<const Exchange*>*> flows;
    std::vector<int> user_of_flow;
    for (size_t u = 0; u < group.users.size(); ++u)
      for (const auto& key : group.users[u]) {
        flows.push_back(&connections.at(key));
        user_of_flow.push_back(static_cast<int>(u));
      }
    out.sessions.push_back(
        Builder(flows, user_of_flow, static_cast<int>(group.users.size()), context).build());
  }
  std::stable_sort(out.sessions.begin(), out.sessions.end(), [](const Session& a, const Session& b) {
    return a.start_us < b.start_us || (a.start_us == b.start_us && a.key < b.key);
  });
  for (auto& e : out.expected) e.noise = out.learned.find(e.kind);
  return out;
}

}  // namespace reprise::replay
