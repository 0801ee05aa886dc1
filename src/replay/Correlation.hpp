// Automatic correlation: the values a response hands out (JSON strings of 4 or more characters,
// integers under id-named keys, cookies set by Set-Cookie, plus what the profile's `correlate`
// names), each with the place it stands, so that at run time the live response can be asked for
// the value at the same place. Which handouts later requests carry is the session builder's
// business; this file only finds them and reads them back.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "capture/Exchange.hpp"
#include "capture/IdNames.hpp"
#include "http/MessageHead.hpp"
#include "replay/Profile.hpp"

namespace reprise::replay {

struct Handout {
  enum class From : unsigned char { json, cookie, header };
  From from = From::json;
  std::string where;    // a JSON pointer ("/access_token"), a cookie name or a header name
  std::string value;    // as recorded
  bool id = false;      // an integer id: looked for only in id-named places
  bool forced = false;  // named by the profile's `correlate.extract`

  std::string describe() const;  // "json /access_token", "cookie sid", "header X-Csrf"
};

// Every value `res` hands out; with `automatic` false only those the rules name.
std::vector<Handout> find_handouts(const capture::Response& res, const CorrelateRules& rules, bool automatic);

// What each answer of a capture hands out under the automatic rules alone (no profile's), found
// once for its three readers: the joining of connections and of users (replay/Users), and a
// session builder whose profile adds no rules.
class AutomaticHandouts {
 public:
  // Finds those of `x`, which must outlive this.
  void add(const capture::Exchange& x);
  // Those of `x` (none when it was not added).
  const std::vector<Handout>& of(const capture::Exchange& x) const;

 private:
  std::unordered_map<const capture::Exchange*, std::vector<Handout>> found_;
};

// Run time: the live value at a handout's place. From a head (cookies, headers) while its views
// are valid, or from a whole JSON body, parsed once per answer (a body that is not JSON is a
// discarded value). False when the place is missing or not a scalar; `out` is then unchanged.
bool read_live(const Handout& h, const std::vector<http::Header>& headers, std::string& out);
bool read_live(const Handout& h, const nlohmann::json& body, std::string& out);

using capture::id_named;

// How well a handout fits the place a request carries its value: the same key (room_id ←
// room_id) 4, a generic "id" of the resource the path names (/rooms/{id} ← POST /rooms) 2, any
// "id" 1. `where` is the handout's place, `producer_path` the path of the request it answered;
// `key` and `segment` say where the value stands (the JSON or query key, the path segment before).
int handout_fit(std::string_view where, std::string_view producer_path, std::string_view key,
                std::string_view segment);

}  // namespace reprise::replay
