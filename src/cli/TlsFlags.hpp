// The flags that say how to trust and name an https:// address: the proxy's upstream
// (--upstream-ca, --upstream-sni, --upstream-cert, --upstream-key, --upstream-insecure), the
// mirror's (the same with --mirror-), and a
// replay's or a drill's target (--ca, --sni, --cert, --key, --insecure). Adding them to a
// subcommand and turning them into the settings of net::ClientTls.
#pragma once

#include <CLI/App.hpp>
#include <optional>
#include <string>

#include "net/Address.hpp"
#include "net/Tls.hpp"

namespace reprise::cli {

struct TlsFlags {
  std::string ca, sni, cert, key;
  bool insecure = false;

  // `prefix`: "upstream-" or "".
  void add_to(CLI::App& cmd, const std::string& prefix);
  // The settings for `address` (nullopt when it is http://). Reads every file once now, so that
  // a bad one stops the start with one line (InputError), not a request later; warns at start
  // when verification is off; refuses TLS flags given for an http:// address.
  std::optional<net::ClientTlsSettings> settings(const net::WebAddress& address, const std::string& what) const;
};

}  // namespace reprise::cli
