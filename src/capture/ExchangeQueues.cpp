#include "capture/ExchangeQueues.hpp"

namespace reprise::capture {

ExchangeQueues::ExchangeQueues(int producers, size_t capacity) {
  for (int i = 0; i < producers; ++i) {
    filled_.push_back(std::make_unique<Queue>(capacity));
    emptied_.push_back(std::make_unique<Queue>(capacity));
  }
}

ExchangeQueues::~ExchangeQueues() {
  for (auto& q : filled_) q->consume_all([](Exchange* x) { delete x; });
  for (auto& q : emptied_) q->consume_all([](Exchange* x) { delete x; });
}

std::unique_ptr<Exchange> ExchangeQueues::take(int producer) {
  Exchange* used = nullptr;
  if (!emptied_[static_cast<size_t>(producer)]->pop(used)) return std::make_unique<Exchange>();
  reuse(*used);
  return std::unique_ptr<Exchange>(used);
}

bool ExchangeQueues::push(int producer, std::unique_ptr<Exchange> exchange) {
  if (!filled_[static_cast<size_t>(producer)]->push(exchange.get())) return false;
  exchange.release();
  return true;
}

bool ExchangeQueues::empty() const {
  for (const auto& q : filled_)
    if (q->read_available() > 0) return false;
  return true;
}

void ExchangeQueues::give_back(size_t producer, std::unique_ptr<Exchange> exchange) {
  auto& x = *exchange;
  if (x.req.body.data.capacity() > kKeptBody) std::string().swap(x.req.body.data);
  if (x.res && x.res->body.data.capacity() > kKeptBody) x.res.reset();
  x.stream.reset();
  if (emptied_[producer]->push(exchange.get())) exchange.release();
}

void reuse(Exchange& x) {
  x.id = 0;
  x.session.clear();
  x.client.clear();
  x.page.clear();
  x.t_us = 0;
  x.req.method.clear();
  x.req.target.clear();
  x.req.version.clear();
  x.req.headers.clear();
  x.req.body.data.clear();
  x.req.body.size = 0;
  if (x.res) x.spare_body = std::move(x.res->body.data);
  x.res.reset();
  x.stream.reset();
  x.raw_request_head.clear();
  x.raw_response_head.clear();
  x.open = false;
}

}  // namespace reprise::capture
