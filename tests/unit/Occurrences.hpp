// How many times `what` occurs in `text`, without overlaps: the tests count the elements, lines
// and warnings they expect in what reprise wrote.
#pragma once

#include <string>

namespace reprise::test {

inline size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace reprise::test
