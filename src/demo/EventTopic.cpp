#include "demo/EventTopic.hpp"

#include <algorithm>

#include "metrics/PrometheusText.hpp"

namespace reprise::demo {

void EventTopic::publish(std::vector<int> recipients, std::string frame) {
  events_.push_back({std::move(recipients), std::move(frame)});
  ++published_;
  peak_lag_ = std::max<uint64_t>(peak_lag_, events_.size());
}

size_t EventTopic::consume(size_t n, const Delivery& deliver) {
  size_t taken = 0;
  for (; taken < n && !events_.empty(); ++taken) {
    // Popped before delivery, so a delivery that publishes (none does today) cannot reorder.
    TopicEvent event = std::move(events_.front());
    events_.pop_front();
    deliver(event);
  }
  return taken;
}

std::string EventTopic::prometheus_text() const {
  metrics::PrometheusText out;
  out.family("kafka_consumergroup_lag", "gauge",
             "Events of the topic not yet consumed by the group (the Kafka exporter's name)");
  out.sample("kafka_consumergroup_lag",
             {{"consumergroup", "notification-delivery"}, {"topic", "message.events"}, {"partition", "0"}},
             static_cast<double>(lag()));
  out.family("chat_events_lag_max", "gauge", "The largest consumer lag since the service started");
  out.sample("chat_events_lag_max", {}, static_cast<double>(peak_lag_));
  out.family("chat_events_published_total", "counter", "Notification events published to message.events");
  out.sample("chat_events_published_total", {}, static_cast<double>(published_));
  out.family("chat_events_consumed_total", "counter",
             "Notification events consumed from message.events and handed to the open streams");
  out.sample("chat_events_consumed_total", {}, static_cast<double>(consumed()));
  return out.text();
}

}  // namespace reprise::demo
