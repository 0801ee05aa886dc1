#include "capture/JsonRewrite.hpp"

#include <cctype>

namespace reprise::capture {
namespace {

// Index just past the JSON string that opens at `start`, or std::string::npos when it is cut off.
size_t skip_string(const std::string& text, size_t start) {
  for (size_t j = start + 1; j < text.size(); ++j) {
    if (text[j] == '\\')
      ++j;
    else if (text[j] == '"')
      return j + 1;
  }
  return std::string::npos;
}

size_t skip_space(const std::string& text, size_t i) {
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

// Index just past the number, literal, object or array that starts at text[i] (not a string), or
// the text's end when it is cut off inside it.
size_t skip_value(const std::string& text, size_t i) {
  if (text[i] != '{' && text[i] != '[') {
    while (i < text.size() && std::string_view(",}] \t\r\n").find(text[i]) == std::string::npos) ++i;
    return i;
  }
  int depth = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      size_t end = skip_string(text, i);
      if (end == std::string::npos) return text.size();
      i = end - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return text.size();
}

bool holds_nothing(std::string_view value) {
  return value == "null" || value.find_first_not_of("{}[] \t\r\n") == std::string::npos;
}

// Writes the replacement of the value that starts at text[i] and returns where the value ends.
// A value cut short is replaced too, and its replacement closed.
size_t replace_value(const std::string& text, size_t i, std::string& out, const std::string& what,
                     const JsonRewrite& rewrite) {
  if (i >= text.size()) return i;
  if (text[i] == '"') {
    size_t end = skip_string(text, i);
    size_t content_end = end == std::string::npos ? text.size() : end - 1;
    out.append("\"").append(rewrite.replace(text.substr(i + 1, content_end - i - 1), what)).append("\"");
    return end == std::string::npos ? text.size() : end;
  }
  size_t end = skip_value(text, i);
  std::string value = text.substr(i, end - i);
  if (holds_nothing(value))
    out.append(value);
  else
    out.append("\"").append(rewrite.replace(value, what)).append("\"");
  return end;
}

}  // namespace

bool looks_like_json(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && (text[first] == '{' || text[first] == '[');
}

void rewrite_json(std::string& text, const JsonRewrite& rewrite) {
  std::string out;
  out.reserve(text.size());
  std::vector<std::string> path;
  std::string key;  // the key whose value comes next, in the innermost object
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      size_t end = skip_string(text, i);
      if (end == std::string::npos) {  // cut inside a key, or inside a value nobody chose: kept as it is
        out.append(text, i);
        break;
      }
      size_t colon = skip_space(text, end);
      if (colon < text.size() && text[colon] == ':') {  // a key: copied up to its value
        key.assign(text, i + 1, end - i - 2);
        size_t value = skip_space(text, colon + 1);
        out.append(text, i, value - i);
        i = value;
        if (std::string what = rewrite.choose(path, key); !what.empty()) {
          i = replace_value(text, i, out, what, rewrite);
          key.clear();
        }
        continue;
      }
      out.append(text, i, end - i);
      i = end;
      continue;
    }
    if (c == '{' || c == '[') path.push_back(c == '{' ? key : "[");
    if ((c == '}' || c == ']') && !path.empty()) path.pop_back();
    if (c == '{' || c == '[' || c == '}' || c == ']' || c == ',') key.clear();
    out += c;
    ++i;
  }
  text = std::move(out);
}

}  // namespace reprise::capture
