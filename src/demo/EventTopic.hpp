// The chat service's asynchronous delivery path, as the seed's Kafka topic `message.events` and
// its consumer group `notification-delivery`: every notification the service publishes is one
// event in a FIFO, counted once however many streams it reaches (as Kafka counts offsets); the
// consumer takes events off in order and hands each to the delivery the service gives it. Its
// backlog is the consumer lag, written on /metrics under the Kafka exporter's names so the seed's
// PromQL works unchanged. It must not know streams, sockets or clocks: how fast events are
// taken is the caller's (DemoServer's token bucket).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace reprise::demo {

// Events a second the consumer takes by default: about twice what the demo's replay publishes at
// its spike (60 sessions a second of 16 events), so the lag stays near 0 unless asked.
constexpr double kDefaultDeliveryRate = 2000;

struct TopicEvent {
  std::vector<int> recipients;  // subscribers (users, or the lobby) the event is for
  std::string frame;            // the SSE-framed event, "event: NAME\ndata: JSON\n\n"
};

class EventTopic {
 public:
  using Delivery = std::function<void(const TopicEvent&)>;

  void publish(std::vector<int> recipients, std::string frame);
  // Takes up to `n` events, oldest first, handing each to `deliver`; returns how many it took.
  size_t consume(size_t n, const Delivery& deliver);

  // Events published and not yet consumed.
  uint64_t lag() const { return events_.size(); }
  uint64_t published() const { return published_; }
  uint64_t consumed() const { return published_ - events_.size(); }
  // The largest lag since the start, so a short spike is seen by a scrape that comes after it.
  uint64_t peak_lag() const { return peak_lag_; }

  // The figures in the Prometheus text format (0.0.4), with HELP and TYPE lines.
  std::string prometheus_text() const;

 private:
  std::deque<TopicEvent> events_;
  uint64_t published_ = 0, peak_lag_ = 0;
};

}  // namespace reprise::demo
