// The ISO-8601 date-times HAR writes (Har.hpp), read and written: both directions of HAR
// interchange share them. Text and numbers only.
#include <cctype>
#include <cstdio>
#include <ctime>

#include "importers/Har.hpp"

namespace reprise::importers {

bool parse_iso8601(const std::string& text, int64_t& us) {
  std::tm tm{};
  const char* p = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!p) return false;
  int64_t frac_us = 0;
  if (*p == '.' || *p == ',') {
    int64_t scale = 100000;
    for (++p; std::isdigit(static_cast<unsigned char>(*p)); ++p, scale /= 10) frac_us += (*p - '0') * scale;
  }
  int64_t offset_s = 0;
  if (*p == 'Z' || *p == 'z') {
    ++p;
  } else if (*p == '+' || *p == '-') {
    int sign = *p == '-' ? -1 : 1;
    int hh = 0, mm = 0, n = 0;
    if (std::sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 &&
        std::sscanf(p + 1, "%2d%2d%n", &hh, &mm, &n) != 2)
      return false;
    offset_s = sign * (hh * 3600 + mm * 60);
    p += 1 + n;
  }
  if (*p != '\0') return false;
  us = (static_cast<int64_t>(timegm(&tm)) - offset_s) * 1000000 + frac_us;
  return true;
}

std::string format_iso8601(int64_t us) {
  std::time_t s = static_cast<std::time_t>(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
  int64_t frac = us - static_cast<int64_t>(s) * 1000000;
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (frac % 1000 == 0)
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(frac / 1000));
  else
    std::snprintf(buf + n, sizeof buf - n, ".%06dZ", static_cast<int>(frac));
  return buf;
}

}  // namespace reprise::importers
