// One copy of a client's user on the mirror: the values it sends where the client sent the
// primary's. Its identities (the profile's templates, or, automatically, the fields the user's
// first creating request sent and its answer echoed) are its own, and every value the primary's
// answer handed out (a token, a cookie, a created id) whose place in the mirror's answer to the
// same copy holds another is replaced by the mirror's in its later requests. The request
// templates and handouts are replay's (replay/RequestTemplate, replay/Correlation); this file
// only keeps one shadow user's values. No sockets, no threads.
#pragma once

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "capture/Exchange.hpp"
#include "http/MessageHead.hpp"
#include "replay/Correlation.hpp"
#include "replay/Identities.hpp"
#include "replay/Profile.hpp"

namespace reprise::mirror {

// What every shadow user shares, read-only.
struct ShadowSettings {
  std::vector<replay::IdentityField> identities;  // --mirror-profile's templates
  bool auto_identities = true;
  replay::CorrelateRules correlate;
  replay::RunMark run;
  std::string host;  // the Host header the mirror gets
};

class ShadowUser {
 public:
  static constexpr size_t kMaxValues = 4096;  // values a shadow user keeps (identities included)

  // `copy`: unique in the run ({copy} and {vu} of a template, and automatic identities).
  ShadowUser(const ShadowSettings& settings, uint64_t copy) : settings_(&settings), copy_(copy) {}

  // The request to send for the client's `x`, into `out`. `echoed`: the fields x's answer
  // echoed (replay::echoed_fields), a creating request's identities.
  void render(const capture::Exchange& x, const replay::Fields& echoed, std::string& out);
  // The mirror answered the copy of a request whose primary answer handed out `handouts`; its
  // JSON body is `body`, or null when it was the primary's byte for byte (the same values).
  void learn(const std::vector<replay::Handout>& handouts, const std::vector<http::Header>& headers,
             const nlohmann::json* body);

  // Copy number `seq` (in the order the client's requests were answered) will learn what the
  // primary's answer handed out (`handouts`): a later copy that carries one of those values must
  // wait for it (a stream opened on another connection with the token a login there is
  // getting). settled() when that copy is answered or failed.
  void expect(uint64_t seq, const std::vector<replay::Handout>& handouts);
  void settled(uint64_t seq, const std::vector<replay::Handout>& handouts);
  // True when `req` (copy `seq`) carries a value an earlier copy still on its way will learn.
  bool waits(uint64_t seq, const capture::Request& req) const;

  uint64_t copy() const { return copy_; }
  size_t values() const { return values_.size(); }
  // The value this user sends for the primary's `value` ("" when it sends it as it is).
  std::string value_for(const std::string& value) const;

 private:
  struct Live {
    std::string value;
    bool id = false;     // an integer id: replaced only where an id may stand
    uint64_t added = 0;  // when it was set, in the order of `order_`
  };
  void take_identities(const capture::Exchange& x, const replay::Fields& echoed);
  // Sets the value for `primary`; past kMaxValues the oldest set go (a long session's early ids).
  void set(const std::string& primary, std::string live, bool id);

  const ShadowSettings* settings_;
  uint64_t copy_;
  bool identified_ = false;  // automatic identities come from the first creating request only
  std::unordered_map<std::string, Live> values_;  // the primary's value → this user's
  std::deque<std::pair<std::string, uint64_t>> order_;  // what was set, oldest first
  uint64_t sets_ = 0;
  std::vector<std::string> live_;                 // render's, reused
  std::unordered_map<std::string, std::vector<uint64_t>> awaited_;  // a value → the copies on their way to learn it
};

}  // namespace reprise::mirror
