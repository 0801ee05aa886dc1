// `reprise demo`: the built-in chat service and the proxy on free loopback ports, and a
// scripted walk through the seed's four scenarios, printed step by step.
#pragma once

#include <string>

namespace reprise::demo {

// Records the session through the proxy to `record_path` unless it is empty. Returns the exit
// code: 0 when every step got the answer the API promises, 2 otherwise.
int run_demo(const std::string& record_path);

}  // namespace reprise::demo
