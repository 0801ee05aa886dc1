// `reprise demo`: the built-in chat service and the proxy on free loopback ports, and a
// scripted walk through the seed's four scenarios, printed step by step.
#pragma once

namespace reprise::demo {

// Returns the exit code: 0 when every step got the answer the API promises, 2 otherwise.
int run_demo();

}  // namespace reprise::demo
