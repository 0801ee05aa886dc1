// Text put into XML, HTML or SVG markup (JUnit reports, the HTML report and its charts): the
// five characters markup gives meaning to become entities, so user data (tag names, thresholds,
// file names) can never open an element or end an attribute. It must not check or change
// anything else: well-formed UTF-8 goes through as it is.
#pragma once

#include <string>
#include <string_view>

namespace reprise::metrics {

// Appends `text` with & < > " ' as &amp; &lt; &gt; &quot; &#39;: safe in element content and in
// attribute values quoted either way.
void append_xml_escaped(std::string& out, std::string_view text);
std::string xml_escaped(std::string_view text);

}  // namespace reprise::metrics
