// Files given where a capture is expected (inspect, replay, drill, export) that are really a HAR,
// pcap or pcapng file: what they are and the `reprise import` that turns them into a capture.
#pragma once

#include <istream>
#include <optional>
#include <string>

namespace reprise::capture {

// "F is a HAR file, not a capture; run 'reprise import har F -o G.jsonl' first" when the content
// of `in` (the file at `path`, read from its start) says HAR (a JSON object with a top-level "log"),
// pcap or pcapng (their magic numbers); nullopt otherwise. Leaves `in` at its start, state cleared.
std::optional<std::string> foreign_file(const std::string& path, std::istream& in);

// From the name alone, for a file whose content said nothing: "; if it is a HAR file, run
// 'reprise import har F -o G.jsonl' first" for .har, likewise for .pcap, .pcapng and .cap; "" for
// any other name.
std::string import_hint_by_name(const std::string& path);

}  // namespace reprise::capture
