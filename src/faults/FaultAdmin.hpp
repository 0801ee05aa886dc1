// The admin API's /faults: list, add, change and remove faults while traffic flows.
//   GET /faults            → {"faults": [...]}
//   POST /faults           one fault → 201, 409 when the name is taken, 400 for a malformed one
//   GET /faults/{name}     → the fault, or 404
//   PUT /faults/{name}     one fault (its "name" may be left out) → 200 replaced, 201 added
//   DELETE /faults/{name}  → 204, or 404
// Each change makes a new FaultSet and hands it to `publish`, which gives every worker its own
// copy; the request path never reads what this thread writes.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "faults/FaultSet.hpp"
#include "net/AdminServer.hpp"

namespace reprise::faults {

class FaultAdmin {
 public:
  using Publish = std::function<void(std::shared_ptr<const FaultSet>)>;
  FaultAdmin(FaultSet initial, Publish publish);

  void add_routes(net::AdminServer& server);
  std::shared_ptr<const FaultSet> current() const;

 private:
  net::AdminResponse list() const;
  net::AdminResponse get(const net::AdminRequest& r) const;
  net::AdminResponse post(const net::AdminRequest& r);
  net::AdminResponse put(const net::AdminRequest& r);
  net::AdminResponse remove(const net::AdminRequest& r);
  // Parses a request body as one fault; nullopt and `error` set when it is not one.
  std::optional<Fault> body_fault(const net::AdminRequest& r, net::AdminResponse& error) const;
  void change(FaultSet next);

  mutable std::mutex mutex_;
  std::shared_ptr<const FaultSet> set_;
  Publish publish_;
};

}  // namespace reprise::faults
