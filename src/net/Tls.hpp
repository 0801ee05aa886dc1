// TLS settings made once at start from the files a user names: the listener's certificate and
// key (a server context), and how to trust and name a TLS upstream or replay target (a client
// context). OpenSSL does all of TLS; this file only sets it up and puts its failures in words.
// A file that cannot be used is an InputError naming the file and the problem (exit 1).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "net/Stream.hpp"

namespace reprise::net {

// TLS 1.2 and 1.3, ALPN http/1.1, a session cache and tickets for resumption, OpenSSL's read
// and write buffers given back while a connection is idle. `cert` may hold a chain.
std::shared_ptr<boost::asio::ssl::context> make_server_context(const std::string& cert, const std::string& key);

// How the proxy or the replayer speaks to an https:// address.
struct ClientTlsSettings {
  std::string host;         // from the URL: the SNI sent and the name the certificate must carry
  std::string server_name;  // --upstream-sni / --sni: instead of `host`
  std::string ca_file;      // --upstream-ca / --ca: trusted instead of the system's store
  std::string cert_file;    // a client certificate (mTLS), with its key
  std::string key_file;
  bool insecure = false;    // no verification at all

  const std::string& name() const { return server_name.empty() ? host : server_name; }
};

// The context for connections to one target, shared by every connection to it.
class ClientTls {
 public:
  explicit ClientTls(ClientTlsSettings settings);
  ClientTls(const ClientTls&) = delete;  // OpenSSL holds its address (the new-session callback)
  ClientTls& operator=(const ClientTls&) = delete;

  // A stream over `socket`, ready for its handshake: SNI (not for an IP address, RFC 6066), the
  // name to verify, ALPN http/1.1, and the last session to resume when there is one.
  Stream wrap(boost::asio::ip::tcp::socket socket);
  const ClientTlsSettings& settings() const { return settings_; }

 private:
  ClientTlsSettings settings_;
  boost::asio::ssl::context context_;
  std::shared_ptr<struct ssl_session_st> session_;  // the newest OpenSSL handed out: resumed next
  static int keep_session(struct ssl_st* ssl, struct ssl_session_st* session);
};

// Why a handshake failed, in a few words: the certificate check's reason when that was it
// ("certificate verify failed: self-signed certificate"), else OpenSSL's or the socket's.
std::string handshake_failure(Stream& stream, const boost::system::error_code& ec);

// Whether the first byte a client sent can start a TLS handshake (a handshake record, 0x16).
inline bool starts_tls_handshake(unsigned char first) { return first == 0x16; }

}  // namespace reprise::net
