#include "metrics/XmlText.hpp"

#include <catch2/catch.hpp>

using reprise::metrics::append_xml_escaped;
using reprise::metrics::xml_escaped;

TEST_CASE("xml_escaped turns the five markup characters into entities", "[metrics][xml]") {
  CHECK(xml_escaped(R"(<script>alert("x" & 'y')</script>)") ==
        "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
  CHECK(xml_escaped("&amp;") == "&amp;amp;");  // already escaped text is escaped again
}

TEST_CASE("xml_escaped leaves everything else as it is", "[metrics][xml]") {
  CHECK(xml_escaped("") == "");
  CHECK(xml_escaped("POST /api/chat/rooms/{id}/messages é ✓") == "POST /api/chat/rooms/{id}/messages é ✓");
  std::string out = "kept ";
  append_xml_escaped(out, "a<b");
  CHECK(out == "kept a&lt;b");
}
