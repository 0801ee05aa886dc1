// Runs the proxy: a worker per thread, each with its own listener and upstream pool, and the
// signal handling that drains them. SIGTERM/SIGINT stop accepting; in-flight exchanges finish
// until the drain deadline, then whatever is left is cut.
#pragma once

#include "proxy/ProxyConfig.hpp"

namespace reprise::proxy {

// Blocks until drained; returns the process exit code. Throws RuntimeFailure if it cannot bind.
int run_proxy(const ProxyConfig& config);

}  // namespace reprise::proxy
