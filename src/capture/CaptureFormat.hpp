// The JSON Lines form of a capture (docs/capture-format.md): line 1 the header, then one
// exchange per line, and gap lines where records were dropped. Conversion only; files are
// CaptureWriter's and CaptureReader's business.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "capture/Exchange.hpp"

namespace reprise::capture {

void append_line(std::string& out, const CaptureHeader& header);
void append_line(std::string& out, const Exchange& exchange);
// A gap: `dropped` records were lost (the recording queue was full) just before `t_us`.
void append_gap_line(std::string& out, uint64_t dropped, int64_t t_us);

// Each throws InputError(file, "line N[, field F]", problem) on a malformed value.
CaptureHeader header_from_json(const nlohmann::json& j, const std::string& file, size_t line);
Exchange exchange_from_json(const nlohmann::json& j, const std::string& file, size_t line);
bool is_gap(const nlohmann::json& j);

}  // namespace reprise::capture
