// The lock-free hand-over between the proxy's workers and one consumer thread (the recorder's
// writer, the mirror): per worker a bounded single-producer queue of filled records and one of
// emptied records going back, so that a worker in the steady state reuses its records' memory.
// A full queue refuses the record: the caller counts the drop. It must not block either side.
// A record is emptied by the worker that takes it again, not by the consumer: a record the
// recorder's writer only read stays shared between the two cores' caches, and the worker's
// writes to it cost less. A record keeps at most kKeptBody of body memory while it waits.
#pragma once

#include <boost/lockfree/spsc_queue.hpp>
#include <memory>
#include <vector>

#include "capture/Exchange.hpp"

namespace reprise::capture {

class ExchangeQueues {
 public:
  ExchangeQueues(int producers, size_t capacity);
  ~ExchangeQueues();
  ExchangeQueues(const ExchangeQueues&) = delete;
  ExchangeQueues& operator=(const ExchangeQueues&) = delete;

  // Producer side. take(): a record handed back, emptied, or a new one. push(): false when the
  // queue is full (the record is then freed).
  std::unique_ptr<Exchange> take(int producer);
  bool push(int producer, std::unique_ptr<Exchange> exchange);
  bool full(int producer) const { return filled_[static_cast<size_t>(producer)]->write_available() == 0; }

  // Consumer side: every queued record, with the producer it came from.
  template <class F>
  void drain(F&& f) {
    for (size_t p = 0; p < filled_.size(); ++p) {
      Exchange* raw = nullptr;
      while (filled_[p]->pop(raw)) f(p, std::unique_ptr<Exchange>(raw));
    }
  }
  bool empty() const;
  // Hands a record back to its producer (freed when that queue is full). Bodies larger than
  // kKeptBody and a stream's events are freed now, not kept while it waits.
  static constexpr size_t kKeptBody = 16 * 1024;
  void give_back(size_t producer, std::unique_ptr<Exchange> exchange);

 private:
  using Queue = boost::lockfree::spsc_queue<Exchange*>;
  std::vector<std::unique_ptr<Queue>> filled_;   // worker → consumer
  std::vector<std::unique_ptr<Queue>> emptied_;  // consumer → worker
};

// Empties a record for reuse: strings and lists keep their memory.
void reuse(Exchange& x);

}  // namespace reprise::capture
