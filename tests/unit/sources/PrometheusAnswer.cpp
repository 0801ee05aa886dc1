#include "sources/PrometheusAnswer.hpp"

#include <catch2/catch.hpp>

using namespace reprise::sources;

namespace {

const char* kPage = R"(# HELP kafka_consumergroup_lag Events published and not yet consumed
# TYPE kafka_consumergroup_lag gauge
kafka_consumergroup_lag{consumergroup="notification-delivery",topic="message.events",partition="0"} 120
kafka_consumergroup_lag{consumergroup="notification-delivery",topic="message.events",partition="1"} 30
kafka_consumergroup_lag{consumergroup="audit",topic="audit.events",partition="0"} 7 1712345678000
kafka_consumergroup_lag_total 999
weird_metric{a="x\"y\\z",b="line\nbreak"} NaN
other_metric{ malformed
up 1
)";

}  // namespace

TEST_CASE("exposition: the samples of one metric, filtered by labels and aggregated", "[sources]") {
  auto sum = read_exposition(kPage, "kafka_consumergroup_lag", {{"topic", "message.events"}}, "sum");
  REQUIRE(sum.ok);
  CHECK(sum.value == 150);
  CHECK(read_exposition(kPage, "kafka_consumergroup_lag", {}, "sum").value ==
        157);  // a timestamp is no value
  CHECK(read_exposition(kPage, "kafka_consumergroup_lag", {}, "max").value == 120);
  CHECK(read_exposition(kPage, "kafka_consumergroup_lag", {}, "min").value == 7);
  CHECK(read_exposition(kPage, "kafka_consumergroup_lag", {{"topic", "message.events"}}, "avg").value == 75);
  CHECK(read_exposition(kPage, "kafka_consumergroup_lag", {{"partition", "1"}}, "sum").value == 30);
  CHECK(read_exposition(kPage, "up", {}, "sum").value == 1);  // a sample without labels
}

TEST_CASE("exposition: what is not there, NaN, escapes and malformed lines", "[sources]") {
  auto none = read_exposition(kPage, "kafka_consumergroup_lag", {{"topic", "nope"}}, "sum");
  CHECK_FALSE(none.ok);
  CHECK(none.problem == R"(no sample kafka_consumergroup_lag{topic="nope"})");
  CHECK_FALSE(read_exposition(kPage, "kafka_consumergroup", {}, "sum").ok);  // a prefix is not the name
  CHECK_FALSE(read_exposition(kPage, "weird_metric", {{"a", "x\"y\\z"}}, "sum").ok);  // NaN only: no value
  CHECK(read_exposition("weird_metric{a=\"x\\\"y\"} 2\n", "weird_metric", {{"a", "x\"y"}}, "sum").value == 2);
  auto bad = read_exposition(kPage, "other_metric", {}, "sum");
  CHECK_FALSE(bad.ok);
  CHECK(bad.problem == "line 8: a malformed label set");
  CHECK_FALSE(
      read_exposition("m +Inf\n", "m", {}, "max").ok);  // no number to judge, nor to keep in a summary
  CHECK(read_exposition("m -Inf\nm 4\n", "m", {}, "min").value == 4);
  CHECK(read_exposition("m 1.5e2\r\n", "m", {}, "sum").value == 150);  // CRLF lines
  CHECK_FALSE(read_exposition("m abc\n", "m", {}, "sum").ok);
  CHECK_FALSE(read_exposition("", "m", {}, "sum").ok);
}

TEST_CASE("query API: vectors, scalars, empty results and errors", "[sources]") {
  const char* vector = R"({"status":"success","data":{"resultType":"vector","result":[
    {"metric":{"partition":"0"},"value":[1712345678.1,"40"]},{"metric":{"partition":"1"},"value":[1712345678.1,"2"]}]}})";
  CHECK(read_query_answer(vector, "sum").value == 42);
  CHECK(read_query_answer(vector, "max").value == 40);
  CHECK(
      read_query_answer(R"({"status":"success","data":{"resultType":"scalar","result":[1.0,"7.5"]}})", "sum")
          .value == 7.5);
  auto empty = read_query_answer(R"({"status":"success","data":{"resultType":"vector","result":[]}})", "sum");
  CHECK_FALSE(empty.ok);
  CHECK(empty.problem == "the query returned no series with a finite value");
  auto error = read_query_answer(
      R"({"status":"error","errorType":"bad_data","error":"parse error at char 5: unexpected \"}\""})",
      "sum");
  CHECK_FALSE(error.ok);
  CHECK(error.problem == "the query failed: parse error at char 5: unexpected \"}\"");
  auto matrix =
      read_query_answer(R"({"status":"success","data":{"resultType":"matrix","result":[]}})", "sum");
  CHECK(matrix.problem == "the query gave a matrix, not an instant vector or scalar");
  CHECK_FALSE(read_query_answer("<html>", "sum").ok);
  // answers of the wrong shape are a failed read, never an exception
  CHECK(read_query_answer(R"({"status":"error","error":5})", "sum").problem ==
        "the query failed: status \"error\"");
  CHECK(read_query_answer(R"({"status":3})", "sum").problem == "the query failed: status 3");
  CHECK_FALSE(read_query_answer(R"({"status":"success","data":{"resultType":"scalar"}})", "sum").ok);
  CHECK_FALSE(
      read_query_answer(R"({"status":"success","data":{"resultType":"vector","result":{}}})", "sum").ok);
  CHECK_FALSE(read_query_answer(R"({"status":"success","data":[1]})", "sum").ok);
  CHECK_FALSE(read_query_answer(R"({"detail":"not found"})", "sum").ok);
}
