// Which recorded connections belong to one user: a browser logs in on one connection and opens
// its notification stream on another. Two connections are one user when a long value that an
// answer on one handed out (a token, a session cookie, a redaction placeholder: 8 characters or
// more) is carried later by a request of the other, in a header token, a path segment or a query
// value. The session builder replays such a group as one iteration, sharing its live values.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "capture/Exchange.hpp"

namespace reprise::replay {

using Connections =
    std::map<std::string, std::vector<const capture::Exchange*>>;  // by session key, in time order

// The groups, each a list of connection keys in order of first request, the groups in order of
// their first request; every key is in exactly one group.
std::vector<std::vector<std::string>> group_users(const Connections& connections);

}  // namespace reprise::replay
