// The session builder: a capture's exchanges grouped by connection (the capture's session key),
// connections grouped by user (replay/Users), and turned into what the replayer runs. A session
// is one user: one flow per recorded connection, replayed side by side, sharing live values. Each
// step is a request template (with the live values cut out), the timing it was recorded with,
// and the handouts to read from its live answer. Built once before a run and shared read-only
// by every VU on every thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "capture/Exchange.hpp"
#include "compare/Answer.hpp"
#include "compare/Noise.hpp"
#include "metrics/RouteTags.hpp"
#include "replay/Correlation.hpp"
#include "replay/Profile.hpp"
#include "replay/RequestTemplate.hpp"

namespace reprise::replay {

struct Extraction {
  int slot = 0;
  Handout place;  // where in the live answer; `place.value` is the recorded value
};

// A step of another flow of the session, by its index in that flow.
struct StepRef {
  int flow = 0;
  int step = 0;
  bool operator==(const StepRef&) const = default;
};

struct Step {
  RequestTemplate request;
  int id = 0;               // across the whole build: an index into SessionBuild::notes
  int recorded_status = 0;  // the recorded answer's (0: none was recorded)
  std::string label;        // "#12 POST /api/users/login", for messages
  int tag = 0;              // its name tag and method, an index into SessionBuild::tags
  int64_t offset_us = 0;    // from the flow's first request, as recorded
  int64_t think_us = 0;     // recorded gap between the previous answer's end and this request
  int64_t hold_us = 0;      // how long the answer lasted when recorded (an event stream is held so long)
  std::vector<Extraction> from_head;  // cookies, headers
  std::vector<Extraction> from_body;  // JSON
  // Steps of other flows whose answers it waits for (at most one per flow, the latest): those that
  // hand out a value it carries, and those that first sent an identity it carries (the user it
  // names must exist: a search for bob after bob registered on his own connection).
  std::vector<StepRef> after;
};

// One recorded connection of a session.
struct Flow {
  std::string key;       // the capture's session key
  int64_t start_us = 0;  // from the session's start
  std::vector<Step> steps;
};

// A value that makes a recorded user unique (its email, its username), and how each copy of the
// user gets its own: from the profile's template, else automatically (replay/Identities).
struct Identity {
  std::string field;
  int user = 0;                // which user of the session it belongs to
  std::string value_template;  // empty: automatic
};

// A value that is live at run time: a handout, or an identity.
struct Slot {
  std::string recorded;
  int identity = -1;                 // index into Session::identities, else a handout
  std::vector<std::string> origins;  // "json /access_token of #5 POST /api/users/login", "identity email";
                                     // a later answer handing out the same value refreshes it
  int uses = 0;                      // places in later requests that take its live value
  int flow = -1;                     // the flow whose answer fills it (-1: an identity)
};

struct Session {
  std::string key;       // the first flow's key
  int64_t start_us = 0;  // from the capture's start
  int users = 1;         // recorded users replayed together (replay/Users)
  std::vector<Identity> identities;
  std::vector<Slot> slots;
  std::vector<Flow> flows;  // by start
  size_t steps() const;
};

// What the end of a run needs to explain a step's failures, noted when the sessions are built.
struct StepNote {
  std::string label;  // "#12 POST /api/users/login"
  metrics::RouteKey route;
  int recorded_status = 0;  // 0: no answer was recorded
  int users = 1;            // in its session: a template must then differ per user too
  // The identities the request carries: field and template ("" when automatic).
  std::vector<std::pair<std::string, std::string>> identities;
  std::vector<std::string> literal_fields;  // JSON string fields sent as recorded
  std::vector<int> inputs;                  // the steps whose answers hand out values it carries
  bool unresolved_credential = false;       // an Authorization or Cookie value no answer handed out
  std::vector<std::string> unresolved_ids;  // ids in its path no answer handed out: "rooms/7"
};

struct SessionOptions {
  bool auto_correlate = true;
  std::string host;  // the Host to send; empty keeps the recorded one
  bool compare = false;  // keep each step's recorded answer and learn noise from them (--compare)
};

// A step's recorded answer, for --compare: replay/Vu compares the live answer with it.
struct Expectation {
  compare::Answer answer;  // status 0: none was recorded; nothing is compared
  std::string kind;        // compare::LearnedNoise::kind_of
  const compare::KindNoise* noise = nullptr;  // what the capture's answers to its kind of request showed
};

struct SessionBuild {
  std::vector<Session> sessions;        // by start time
  std::vector<metrics::RouteKey> tags;  // the name tags and methods the steps carry
  std::vector<StepNote> notes;          // by Step::id
  uint64_t skipped_websocket = 0;       // WebSocket exchanges are not replayed
  std::vector<Expectation> expected;    // by Step::id, with SessionOptions::compare
  compare::LearnedNoise learned;        // `expected`'s `noise` points into it
};

SessionBuild build_sessions(std::vector<capture::Exchange> exchanges, const Profile& profile,
                            const SessionOptions& options);

}  // namespace reprise::replay
