// Server and client contexts, each set up once; the words for a failed handshake.
#include "net/Tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

#include "InputError.hpp"
#include "InputFile.hpp"

namespace reprise::net {

namespace ssl = boost::asio::ssl;

namespace {

constexpr unsigned char kAlpn[] = "\x08http/1.1";  // ALPN's wire form: a length, then the name

int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                  unsigned int inlen, void*) {
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, kAlpn, sizeof kAlpn - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;  // the client offers no http/1.1 (h2 only): go on without ALPN
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// What both sides share: TLS 1.2 at least, no renegotiation, OpenSSL's buffers freed while a
// connection waits, and reads that take what the socket has (a record in one read, not two).
void common_settings(ssl::context& ctx) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_compression);
  SSL_CTX_set_options(ctx.native_handle(), SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_read_ahead(ctx.native_handle(), 1);
}

// `what` of `path` failed in OpenSSL: one line naming the file, the flag and OpenSSL's reason.
[[noreturn]] void unusable(const std::string& path, const std::string& flag, const std::string& what,
                           const boost::system::error_code& ec) {
  throw InputError(path, "", flag + ": " + what + " (" + ec.message() + ")");
}

void load_certificate(ssl::context& ctx, const std::string& cert, const std::string& key, const std::string& cert_flag,
                      const std::string& key_flag) {
  check_readable(cert);
  check_readable(key);
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(cert, ec);
  if (ec) unusable(cert, cert_flag, "not a PEM certificate", ec);
  ctx.use_private_key_file(key, ssl::context::pem, ec);
  if (ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH)
    throw InputError(key, "", key_flag + ": does not match the certificate in " + cert);
  if (ec) unusable(key, key_flag, "not a PEM private key", ec);
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
    throw InputError(key, "", key_flag + ": does not match the certificate in " + cert);
}

// Where a client context keeps its ClientTls (Asio keeps its own things in the app data).
int owner_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::shared_ptr<ssl::context> make_server_context(const std::string& cert, const std::string& key) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  common_settings(*ctx);
  load_certificate(*ctx, cert, key, "--tls-cert", "--tls-key");
  static constexpr unsigned char kSessionContext[] = "reprise";
  SSL_CTX_set_session_id_context(ctx->native_handle(), kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_alpn_select_cb(ctx->native_handle(), select_http11, nullptr);
  return ctx;
}

ClientTls::ClientTls(ClientTlsSettings settings) : settings_(std::move(settings)), context_(ssl::context::tls_client) {
  common_settings(context_);
  boost::system::error_code ec;
  if (!settings_.ca_file.empty()) {
    check_readable(settings_.ca_file);
    context_.load_verify_file(settings_.ca_file, ec);
    if (ec) unusable(settings_.ca_file, "CA file", "holds no PEM certificate", ec);
  } else {
    context_.set_default_verify_paths(ec);
  }
  context_.set_verify_mode(settings_.insecure ? ssl::verify_none : ssl::verify_peer);
  if (!settings_.cert_file.empty() || !settings_.key_file.empty()) {
    if (settings_.cert_file.empty() || settings_.key_file.empty())
      throw InputError("", "", "a client certificate needs both its certificate and its key file");
    load_certificate(context_, settings_.cert_file, settings_.key_file, "client certificate", "client key");
  }
  // Every connection of this context goes to one place, so the newest session is the one to
  // resume. OpenSSL hands each out through the callback (TLS 1.3's come after the handshake,
  // with the first answer); its own client store is of no use here.
  SSL_CTX_set_session_cache_mode(context_.native_handle(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_set_ex_data(context_.native_handle(), owner_index(), this);
  SSL_CTX_sess_set_new_cb(context_.native_handle(), keep_session);
}

int ClientTls::keep_session(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<ClientTls*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), owner_index()));
  if (!self) return 0;
  // A copy: OpenSSL marks a session unresumable when its connection is freed without a
  // close_notify (as a pooled connection is when the upstream closes it, or the pool is full),
  // and HTTP's own framing already tells a cut answer from a whole one.
  SSL_SESSION* copy = SSL_SESSION_dup(session);
  if (copy) self->session_.reset(copy, SSL_SESSION_free);
  return 0;  // OpenSSL keeps its reference to the original
}

Stream ClientTls::wrap(boost::asio::ip::tcp::socket socket) {
  Stream stream(std::move(socket), context_.native_handle());
  SSL* ssl = stream.tls();
  const std::string& name = settings_.name();
  bool ip = is_ip_address(name);
  if (!ip) SSL_set_tlsext_host_name(ssl, name.c_str());
  if (!settings_.insecure) {
    if (ip)
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
    else
      SSL_set1_host(ssl, name.c_str());
  }
  SSL_set_alpn_protos(ssl, kAlpn, sizeof kAlpn - 1);
  if (session_) SSL_set_session(ssl, session_.get());
  return stream;
}

std::string handshake_failure(Stream& stream, const boost::system::error_code& ec) {
  if (stream.tls() && ec.category() == boost::asio::error::get_ssl_category()) {
    long verify = SSL_get_verify_result(stream.tls());
    if (verify != X509_V_OK) return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  }
  if (is_end_of_stream(ec)) return "the peer closed the connection during the TLS handshake";
  return "TLS handshake failed: " + ec.message();
}

}  // namespace reprise::net
