// abort: the proxy answers with a status (and a body) instead of asking the upstream, as Envoy's
// fault filter does: {"status": 503, "body": "try later"}.
#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

class Abort : public FaultKind {
 public:
  Abort(int status, std::string body) : status_(status), body_(std::move(body)) {}
  void apply(Effects& e, Direction, Random&) const override {
    e.answer_status = status_;
    e.answer_body = body_;
  }

 private:
  int status_;
  std::string body_;
};

}  // namespace

std::shared_ptr<const FaultKind> parse_abort(const KindReader& r) {
  r.only({"status", "body"});
  if (!r.has("status")) r.fail("", "needs a \"status\"");
  auto status = static_cast<int>(r.number("status", 200, 599));
  if (status == 204 || status == 304) r.fail("status", "must be a status with a body (not 204 or 304)");
  return std::make_shared<Abort>(status, r.has("body") ? r.text("body") : "fault injected\n");
}

}  // namespace reprise::faults
