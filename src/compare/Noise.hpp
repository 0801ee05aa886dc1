// What response comparison does not call a difference. Three kinds of rule, each its own type:
// the rules written by hand (`compare.ignore`: JSON paths and header names), the values that
// differ by nature (timestamps, UUIDs, long hex ids, tokens, redaction placeholders, ids under
// id-named keys), and what was learned from answers to the same request (values, types,
// lengths, headers and event types that already differed between them). Learning is fed
// answers one by one (a capture before a run, the primary's answers while mirroring). It
// compares nothing itself: compare/AnswerDiff asks it.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "capture/Exchange.hpp"
#include "compare/Answer.hpp"

namespace reprise::compare {

// `compare.ignore`: JSON paths ("$.created_at", "$.messages[*].id", "$..trace_id", "$.meta.*")
// and header names ("X-Request-Id"; "Content-Type" ignores the media type).
class IgnoreRules {
 public:
  IgnoreRules() = default;
  // Throws InputError naming `file` and `field` for a path it cannot read.
  IgnoreRules(const std::vector<std::string>& rules, const std::string& file, const std::string& field);
  bool path(std::string_view json_path) const;  // a concrete path: "$.messages[3].id"
  bool header(std::string_view lower_name) const;
  bool empty() const { return paths_.empty() && headers_.empty(); }
  const std::vector<std::string>& written() const { return written_; }

 private:
  struct Segment {
    enum class Kind : unsigned char { key, any_key, any_index, descend } kind;
    std::string key;
  };
  // Throws InputError for a pattern; a concrete path never fails.
  static std::vector<Segment> split(std::string_view path, bool pattern, const std::string& file,
                                    const std::string& field);
  static bool match(const std::vector<Segment>& pattern, size_t p, const std::vector<Segment>& path, size_t i);
  std::vector<std::vector<Segment>> paths_;
  std::set<std::string, std::less<>> headers_;  // lower case
  std::vector<std::string> written_;
};

// A value whose difference says nothing: both sides timestamps (ISO-8601, or epoch seconds or
// milliseconds), UUIDs, hex ids of 16 digits or more, JWTs; a redaction placeholder on the
// recorded side; or any value under an id-named key ("id", "room_id"): the service numbers
// anew.
bool volatile_values(std::string_view key, const nlohmann::json& recorded, const nlohmann::json& live);

// "$.messages[*].id" for "$.messages[3].id": the field a difference is counted under.
std::string field_name(std::string_view concrete_path);

// What answers to one kind of request showed: the places whose value, type or length was not
// always the same, the headers some had and others not, the event types not every stream had.
struct KindNoise {
  struct Place {
    nlohmann::json first;  // the first value seen (scalars only)
    std::string type;
    size_t length = 0;  // arrays
    int seen = 0;       // answers that had it
    bool value_varies = false, type_varies = false, length_varies = false;
  };
  std::map<std::string, Place, std::less<>> places;  // by concrete path
  std::map<std::string, int, std::less<>> headers;   // name → answers carrying it
  std::map<std::string, int, std::less<>> event_types;  // type → streams carrying it
  int answers = 0, streams = 0;

  bool value_varies(std::string_view path) const;
  bool type_varies(std::string_view path) const;
  bool length_varies(std::string_view path) const;
  // A key some answers had and others (that had its parent) did not.
  bool presence_varies(std::string_view parent, std::string_view path) const;
  bool header_varies(std::string_view name) const;
  bool event_type_varies(std::string_view type) const;
  void learn(const Answer& a);

 private:
  void walk(const nlohmann::json& j, std::string& path);
  const Place* place(std::string_view path) const;
};

// The JSON type's name as a difference shows it: "number", "string", "object"...
std::string type_name(const nlohmann::json& j);
// Appends a key's or an index's step to a JSON path: ".name", "['a b']", "[3]".
void append_key(std::string& path, std::string_view key);
void append_index(std::string& path, size_t i);

// Kinds of request: the same route (a name tag index), the same body shape (the JSON body's keys
// and types, the query's names) and the same recorded status.
class LearnedNoise {
 public:
  static std::string kind_of(int route, int status, const capture::Request& req);
  KindNoise& kind(const std::string& key) { return kinds_[key]; }
  const KindNoise* find(const std::string& key) const;
  size_t kinds() const { return kinds_.size(); }

 private:
  std::map<std::string, KindNoise, std::less<>> kinds_;
};

}  // namespace reprise::compare
