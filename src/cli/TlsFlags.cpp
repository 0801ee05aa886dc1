#include "cli/TlsFlags.hpp"

#include <spdlog/spdlog.h>

#include "InputError.hpp"

namespace reprise::cli {

void TlsFlags::add_to(CLI::App& cmd, const std::string& prefix) {
  const std::string of = prefix.empty() ? "the target" : "the " + prefix.substr(0, prefix.size() - 1);
  cmd.add_option("--" + prefix + "ca", ca,
                 "Trust " + of + "'s certificate when a CA of this PEM file signs it (default: the system's store)");
  cmd.add_option("--" + prefix + "sni", sni,
                 "Server name sent to " + of + " and checked in its certificate (default: the URL's host)");
  auto* c = cmd.add_option("--" + prefix + "cert", cert, "Client certificate (PEM) for " + of + " when it asks (mTLS)");
  auto* k = cmd.add_option("--" + prefix + "key", key, "The PEM private key of --" + prefix + "cert");
  c->needs(k);
  k->needs(c);
  cmd.add_flag("--" + prefix + "insecure", insecure,
               "Do not verify " + of + "'s certificate (warned about at start)");
}

std::optional<net::ClientTlsSettings> TlsFlags::settings(const net::WebAddress& address,
                                                         const std::string& what) const {
  if (!address.https) {
    if (!ca.empty() || !sni.empty() || !cert.empty() || insecure)
      throw InputError("", what, "the TLS flags (CA, SNI, client certificate, insecure) need an https:// URL");
    return std::nullopt;
  }
  net::ClientTlsSettings tls{address.host_port.host, sni, ca, cert, key, insecure};
  net::ClientTls check(tls);
  if (insecure)
    spdlog::warn("{}: the certificate is not verified; anyone on the path can read and change this traffic", what);
  return tls;
}

}  // namespace reprise::cli
