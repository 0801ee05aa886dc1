// The time rule of replay/Users. An anonymous browser's page connection, its EventSource
// connection and its fetch calls carry nothing that ties them together but the client's address
// and the time: a connection that no credential ties to a user joins the one user of its client
// that is open during its span (or ended less than a second before it began), unless that user already has a
// connection that began with the same request (then it is another page load: a second browser or tab at the
// same address). When two or more users of the client are open then, nobody guesses: it stays a user of its
// own. It only weighs spans: what counts as a credential, and which connections it ties, is Users' call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reprise::replay {

// One recorded connection as the time rule sees it.
struct ConnectionSpan {
  std::string_view client;    // the client's address; "" when unknown: never joined by time
  int64_t start_us = 0;       // its first request's start
  int64_t end_us = 0;         // its last answer's end (a stream's end included)
  std::string first_request;  // "GET /": the method and path of its first request
  size_t user = 0;            // the user the credential rules made it part of: any member's index
  bool anonymous = false;     // no credential of its own, and alone in its user
};

// Pairs of connections (indexes into `spans`) that time makes one user: each an anonymous
// connection and a member of the user it joins.
std::vector<std::pair<size_t, size_t>> links_in_time(const std::vector<ConnectionSpan>& spans);

}  // namespace reprise::replay
