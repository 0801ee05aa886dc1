// The chat service's topic (message.events): events come off in the order they went on, no more
// than asked, the lag and the counters add up, and /metrics' text carries the Kafka exporter's
// names with HELP and TYPE lines.
#include "demo/EventTopic.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using reprise::demo::EventTopic;
using reprise::demo::TopicEvent;

namespace {

std::vector<std::string> take(EventTopic& topic, size_t n) {
  std::vector<std::string> frames;
  size_t taken = topic.consume(n, [&](const TopicEvent& e) { frames.push_back(e.frame); });
  CHECK(taken == frames.size());
  return frames;
}

}  // namespace

TEST_CASE("topic: consumes in order, at most n at a time", "[delivery]") {
  EventTopic topic;
  for (int i = 1; i <= 5; ++i) topic.publish({1, 2}, std::to_string(i));
  CHECK(topic.lag() == 5);
  CHECK(take(topic, 2) == std::vector<std::string>{"1", "2"});
  CHECK(topic.lag() == 3);
  CHECK(take(topic, 0).empty());
  topic.publish({3}, "6");
  CHECK(take(topic, 100) == std::vector<std::string>{"3", "4", "5", "6"});
  CHECK(take(topic, 100).empty());
  CHECK(topic.lag() == 0);
  CHECK(topic.published() == 6);
  CHECK(topic.consumed() == 6);
  CHECK(topic.peak_lag() == 5);
}

TEST_CASE("topic: an event keeps its recipients", "[delivery]") {
  EventTopic topic;
  topic.publish({4, 7, 9}, "m");
  std::vector<int> seen;
  topic.consume(1, [&](const TopicEvent& e) { seen = e.recipients; });
  CHECK(seen == std::vector<int>{4, 7, 9});
}

TEST_CASE("topic: its figures in the Prometheus text format", "[delivery]") {
  EventTopic topic;
  for (int i = 0; i < 150; ++i) topic.publish({1}, "e");
  take(topic, 30);
  CHECK(topic.prometheus_text() ==
        "# HELP kafka_consumergroup_lag Events of the topic not yet consumed by the group (the Kafka "
        "exporter's name)\n"
        "# TYPE kafka_consumergroup_lag gauge\n"
        "kafka_consumergroup_lag{consumergroup=\"notification-delivery\",topic=\"message.events\","
        "partition=\"0\"} 120\n"
        "# HELP chat_events_lag_max The largest consumer lag since the service started\n"
        "# TYPE chat_events_lag_max gauge\n"
        "chat_events_lag_max 150\n"
        "# HELP chat_events_published_total Notification events published to message.events\n"
        "# TYPE chat_events_published_total counter\n"
        "chat_events_published_total 150\n"
        "# HELP chat_events_consumed_total Notification events consumed from message.events and handed "
        "to the open streams\n"
        "# TYPE chat_events_consumed_total counter\n"
        "chat_events_consumed_total 30\n");
}
