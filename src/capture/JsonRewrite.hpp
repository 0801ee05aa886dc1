// Rewrites chosen values of JSON text in place, token by token: formatting, escapes and every
// value not chosen are kept byte for byte, and text cut short (a body kept up to a limit) is
// rewritten up to where it stops. Used by the Redactor on JSON bodies and on the JSON in event
// streams. It parses nothing into a tree and decides nothing: its caller chooses the values.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace reprise::capture {

struct JsonRewrite {
  // What the value under `key` is, by what leads to it (`path`: one entry per open object or
  // array: an object's key, "" for an object that has none (the root, an array's element), "["
  // for an array); "" to keep the value.
  std::function<std::string(const std::vector<std::string>& path, const std::string& key)> choose;
  // The text a chosen value becomes, written as a JSON string: given a string's text between
  // its quotes, or any other value's JSON text (a number, true, an object...). null, {} and []
  // hide nothing and are kept.
  std::function<std::string(const std::string& value, const std::string& what)> replace;
};

void rewrite_json(std::string& text, const JsonRewrite& rewrite);

// True when the first character that is not white space opens an object or an array.
bool looks_like_json(std::string_view text);

}  // namespace reprise::capture
