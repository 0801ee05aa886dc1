// Which recorded connections belong to one user, and which users replay together. A browser
// logs in on one connection and opens its notification stream on another: two connections are
// one user when a long value that an answer on one handed out (a token, a session cookie, a
// redaction placeholder: 8 characters or more) is carried later by a request of the other, in a
// header token, a path segment or a query value; when both carry one cookie value of 8
// characters or more (set by a script, or before the recording); when they belong to one page
// load (a HAR's pageref); and, for a connection that carries no credential and is tied to no
// other, when it overlaps in time the one user of its client then open (replay/ConnectionSpans:
// an anonymous page, its EventSource and its fetch calls). Users act on each other (Bob accepts
// the friend request Alice sent, posts in the room Alice made): two users are one group when one
// carries a value that only the other's answers handed out, an id where it fits the place
// (replay/Correlation's handout_fit: the accept's /requests/{id} ← Alice's POST /requests) or
// a long value anywhere. The session builder replays a group as one iteration, sharing its
// live values, each copy with its own identities.
#pragma once

#include <functional>
#include <map>
#include <string_view>
#include <string>
#include <vector>

#include "capture/Exchange.hpp"

namespace reprise::replay {

using Connections =
    std::map<std::string, std::vector<const capture::Exchange*>>;  // by session key, in time order

// A group of users, each a list of connection keys in order of first request; the users in
// order of their first request.
struct UserGroup {
  std::vector<std::vector<std::string>> users;
};

// Values this short never tie connections together.
constexpr size_t kMinLinkLength = 8;

// Calls `f` with each token of `req` where a credential may stand (header tokens, path segments,
// query values) of kMinLinkLength characters or more.
void each_link_token(const capture::Request& req, const std::function<void(std::string_view)>& f);

class AutomaticHandouts;

// The groups in order of their first request; every key is in exactly one user of one group.
// `handouts`: those of the exchanges `connections` point at.
std::vector<UserGroup> group_users(const Connections& connections, const AutomaticHandouts& handouts);

}  // namespace reprise::replay
