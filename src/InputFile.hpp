// Opening a file the user named as input (capture, profile, fault file, SLA or routes file,
// redaction rules, summaries for merge, HAR, pcap) with the one error every such file gets when
// it cannot be read: "<path>: cannot be read: <the OS's reason>", thrown as InputError.
#pragma once

#include <fstream>
#include <string>

namespace reprise {

// Throws InputError unless `path` can be opened for reading and is not a directory
// ("No such file or directory", "Permission denied", "Is a directory").
void check_readable(const std::string& path);

// check_readable, then the file opened for reading (binary, so bytes are as they are on disk).
std::ifstream open_input_file(const std::string& path);

}  // namespace reprise
