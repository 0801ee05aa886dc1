// abort: the proxy answers with a status (and a body) instead of asking the upstream, as Envoy's
// fault filter does: {"status": 503, "body": "try later"}. To HEAD, the head only.
#include "faults/FaultAction.hpp"
#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

class Abort : public FaultKind, public FaultAction {
 public:
  Abort(int status, std::string body) : status_(status), body_(std::move(body)) {}
  std::unique_ptr<FaultAction> hit(Direction, Random&) const override {
    return std::make_unique<Abort>(*this);
  }
  int rank() const override { return 40; }
  boost::asio::awaitable<Next> before_upstream(ExchangeControl& x) override {
    co_return co_await x.answer(status_, body_);
  }

 private:
  int status_;
  std::string body_;
};

std::shared_ptr<const FaultKind> parse_abort(const KindReader& r) {
  r.only({"status", "body"});
  if (!r.has("status")) r.fail("", "needs a \"status\"");
  auto status = static_cast<int>(r.number("status", 200, 599));
  if (status == 204 || status == 304) r.fail("status", "must be a status with a body (not 204 or 304)");
  return std::make_shared<Abort>(status, r.has("body") ? r.text("body") : "fault injected\n");
}

[[maybe_unused]] const bool abort_registered = register_kind("abort", parse_abort);

}  // namespace
}  // namespace reprise::faults
