// Sniffing HAR, pcap and pcapng: the first four bytes for the packet captures; for HAR a streamed
// JSON read that stops at the first top-level key (a HAR may be hundreds of MB).
#include "capture/ImportHint.hpp"

#include <array>
#include <cstring>
#include <nlohmann/json.hpp>

namespace reprise::capture {
namespace {

std::string extension(const std::string& path) {
  size_t slash = path.find_last_of('/'), dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// Where the import should write: the name with .jsonl for .har/.pcap/.pcapng/.cap/.json.
std::string capture_name(const std::string& path) {
  std::string ext = extension(path);
  bool foreign = ext == ".har" || ext == ".pcap" || ext == ".pcapng" || ext == ".cap" || ext == ".json";
  return (foreign ? path.substr(0, path.size() - ext.size()) : path) + ".jsonl";
}

std::string import_command(const std::string& kind, const std::string& path) {
  return "run 'reprise import " + kind + " " + path + " -o " + capture_name(path) + "' first";
}

// Stops the parse at the first key of the top-level object: is it "log"? Everything else only
// goes on reading (a HAR's "log" may not come first, though it is its only key by the spec).
struct HarSniffer : nlohmann::json_sax<nlohmann::json> {
  int depth = 0;
  bool har = false;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    ++depth;
    return true;
  }
  bool key(string_t& k) override {
    if (depth == 1 && k == "log") har = true;
    return !har;
  }
  bool end_object() override {
    --depth;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth == 0) return false;  // a top-level array is no HAR
    ++depth;
    return true;
  }
  bool end_array() override {
    --depth;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }
};

void rewind(std::istream& in) {
  in.clear();
  in.seekg(0);
}

}  // namespace

std::optional<std::string> foreign_file(const std::string& path, std::istream& in) {
  std::array<unsigned char, 4> magic{};
  in.read(reinterpret_cast<char*>(magic.data()), magic.size());
  const bool whole = in.gcount() == 4;
  rewind(in);
  auto is = [&](std::array<unsigned char, 4> m) { return whole && magic == m; };
  if (is({0xd4, 0xc3, 0xb2, 0xa1}) || is({0xa1, 0xb2, 0xc3, 0xd4}) || is({0x4d, 0x3c, 0xb2, 0xa1}) ||
      is({0xa1, 0xb2, 0x3c, 0x4d}) || is({0x34, 0xcd, 0xb2, 0xa1}) || is({0xa1, 0xb2, 0xcd, 0x34}))
    return path + " is a pcap file, not a capture; " + import_command("pcap", path);
  if (is({0x0a, 0x0d, 0x0d, 0x0a}))
    return path + " is a pcapng file, not a capture; " + import_command("pcap", path);

  HarSniffer sniffer;
  nlohmann::json::sax_parse(in, &sniffer, nlohmann::json::input_format_t::json, false);
  rewind(in);
  if (sniffer.har) return path + " is a HAR file, not a capture; " + import_command("har", path);
  return std::nullopt;
}

std::string import_hint_by_name(const std::string& path) {
  std::string ext = extension(path);
  if (ext == ".har") return "; if it is a HAR file, " + import_command("har", path);
  if (ext == ".pcap" || ext == ".pcapng" || ext == ".cap")
    return "; if it is a packet capture, " + import_command("pcap", path);
  return "";
}

}  // namespace reprise::capture
