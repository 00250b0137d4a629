#include "exports/nbd/tls.hpp"

#include <cerrno>
#include <fstream>
#include <gnutls/gnutls.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace udm::exports::nbd {

struct TlsCredentials::Impl {
  gnutls_certificate_credentials_t x509 = nullptr;
  gnutls_psk_server_credentials_t psk = nullptr;
  std::string psk_username, psk_key;  // psk_key(): one in-memory key
  ~Impl() {
    if (x509) gnutls_certificate_free_credentials(x509);
    if (psk) gnutls_psk_free_server_credentials(psk);
  }
};

namespace {

Error tls_error(int code, const std::string& what) {
  return Error{EPROTO, what + ": " + gnutls_strerror(code)};
}

// The record layer over a Transport: GnuTLS pulls and pushes through it.
class TlsTransport final : public Transport {
 public:
  TlsTransport(gnutls_session_t session, Transport& inner, const TlsCredentials::Impl& credentials)
      : session_(session), inner_(inner), credentials_(credentials) {}
  ~TlsTransport() override {
    if (established_) gnutls_bye(session_, GNUTLS_SHUT_WR);  // best effort: the peer may be gone
    gnutls_deinit(session_);
  }

  ssize_t recv_some(void* buffer, std::size_t length, bool all) override {
    std::size_t got = 0;
    while (got < length) {
      ssize_t n = gnutls_record_recv(session_, static_cast<char*>(buffer) + got, length - got);
      if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) continue;
      if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION) break;  // EOF
      if (n < 0) return got ? static_cast<ssize_t>(got) : -ECONNRESET;
      got += static_cast<std::size_t>(n);
      if (!all) break;
    }
    return static_cast<ssize_t>(got);
  }

  ssize_t send_some(const struct iovec* iov, int count, bool may_block) override {
    if (!may_block) return -EAGAIN;
    std::size_t sent = 0;
    for (int i = 0; i < count; ++i) {
      const char* p = static_cast<const char*>(iov[i].iov_base);
      std::size_t left = iov[i].iov_len;
      while (left > 0) {
        ssize_t n = gnutls_record_send(session_, p, left);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) continue;
        if (n < 0) return sent ? static_cast<ssize_t>(sent) : -EPIPE;
        p += n;
        left -= static_cast<std::size_t>(n);
        sent += static_cast<std::size_t>(n);
      }
    }
    return static_cast<ssize_t>(sent);
  }

  bool sends_block() const override { return true; }
  void established() { established_ = true; }

  gnutls_session_t session_;
  Transport& inner_;
  const TlsCredentials::Impl& credentials_;
  bool established_ = false;
};

ssize_t pull(gnutls_transport_ptr_t p, void* buffer, size_t length) {
  auto* t = static_cast<TlsTransport*>(p);
  ssize_t n = t->inner_.recv_some(buffer, length, /*all=*/false);
  if (n < 0) {
    gnutls_transport_set_errno(t->session_, static_cast<int>(-n));
    return -1;
  }
  return n;
}

ssize_t push(gnutls_transport_ptr_t p, const giovec_t* iov, int count) {
  auto* t = static_cast<TlsTransport*>(p);
  ssize_t n = t->inner_.send_some(reinterpret_cast<const struct iovec*>(iov), count, /*may_block=*/true);
  if (n < 0) {
    gnutls_transport_set_errno(t->session_, static_cast<int>(-n));
    return -1;
  }
  return n;
}

// Blocking transport: data is always "ready", the pull blocks.
int pull_timeout(gnutls_transport_ptr_t, unsigned) { return 1; }

// psk_key(): the one in-memory key, for its username only.
int psk_lookup(gnutls_session_t session, const char* username, gnutls_datum_t* key) {
  auto* t = static_cast<TlsTransport*>(gnutls_session_get_ptr(session));
  const auto& c = t->credentials_;
  if (c.psk_username != username) return -1;
  gnutls_datum_t hex{reinterpret_cast<unsigned char*>(const_cast<char*>(c.psk_key.data())),
                     static_cast<unsigned>(c.psk_key.size())};
  return gnutls_hex_decode2(&hex, key) < 0 ? -1 : 0;
}

bool readable_file(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

// Each non-empty line must be "username:hexkey" (an even number of hex digits).
Result<void> check_psk_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) return fail(ENOENT, "--tls-psk " + file + ": cannot read the file");
  std::string line;
  int keys = 0, number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    auto colon = line.find(':');
    std::string hex = colon == std::string::npos ? "" : line.substr(colon + 1);
    bool ok = colon != std::string::npos && colon > 0 && !hex.empty() && hex.size() % 2 == 0 &&
              hex.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    if (!ok)
      return fail(EINVAL, "--tls-psk " + file + ": line " + std::to_string(number) +
                              " is not username:hexkey (as psktool writes it)");
    ++keys;
  }
  if (keys == 0) return fail(EINVAL, "--tls-psk " + file + ": no keys in the file");
  return {};
}

}  // namespace

TlsCredentials::TlsCredentials(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsCredentials::~TlsCredentials() = default;

Result<std::shared_ptr<TlsCredentials>> TlsCredentials::load_x509(const std::string& dir) {
  const std::string ca = dir + "/ca-cert.pem", cert = dir + "/server-cert.pem", key = dir + "/server-key.pem";
  for (const auto& f : {ca, cert, key})
    if (!readable_file(f))
      return fail(ENOENT, "--tls-creds " + dir + ": cannot read " + f +
                              " (needs ca-cert.pem, server-cert.pem and server-key.pem)");
  auto impl = std::make_unique<Impl>();
  if (int r = gnutls_certificate_allocate_credentials(&impl->x509); r < 0) return fail(tls_error(r, "tls"));
  if (int r = gnutls_certificate_set_x509_trust_file(impl->x509, ca.c_str(), GNUTLS_X509_FMT_PEM); r < 0)
    return fail(tls_error(r, "--tls-creds " + ca));
  if (int r = gnutls_certificate_set_x509_key_file(impl->x509, cert.c_str(), key.c_str(), GNUTLS_X509_FMT_PEM);
      r < 0)
    return fail(tls_error(r, "--tls-creds " + cert));
  return std::shared_ptr<TlsCredentials>(new TlsCredentials(std::move(impl)));
}

Result<std::shared_ptr<TlsCredentials>> TlsCredentials::load_psk(const std::string& file) {
  if (auto r = check_psk_file(file); !r) return fail(r.error());
  auto impl = std::make_unique<Impl>();
  if (int r = gnutls_psk_allocate_server_credentials(&impl->psk); r < 0) return fail(tls_error(r, "tls"));
  if (int r = gnutls_psk_set_server_credentials_file(impl->psk, file.c_str()); r < 0)
    return fail(tls_error(r, "--tls-psk " + file));
  return std::shared_ptr<TlsCredentials>(new TlsCredentials(std::move(impl)));
}

Result<std::shared_ptr<TlsCredentials>> TlsCredentials::psk_key(const std::string& username,
                                                               const std::string& hex_key) {
  auto impl = std::make_unique<Impl>();
  if (int r = gnutls_psk_allocate_server_credentials(&impl->psk); r < 0) return fail(tls_error(r, "tls"));
  gnutls_psk_set_server_credentials_function(impl->psk, psk_lookup);
  impl->psk_username = username;
  impl->psk_key = hex_key;
  return std::shared_ptr<TlsCredentials>(new TlsCredentials(std::move(impl)));
}

Result<std::unique_ptr<Transport>> TlsCredentials::handshake(Transport& inner) const {
  gnutls_session_t session;
  if (int r = gnutls_init(&session, GNUTLS_SERVER); r < 0) return fail(tls_error(r, "tls"));
  auto transport = std::make_unique<TlsTransport>(session, inner, *impl_);  // owns the session from here
  const char* priority = impl_->psk ? "NORMAL:+ECDHE-PSK:+DHE-PSK:+PSK" : "NORMAL";
  if (int r = gnutls_priority_set_direct(session, priority, nullptr); r < 0) return fail(tls_error(r, "tls"));
  if (impl_->psk) {
    if (int r = gnutls_credentials_set(session, GNUTLS_CRD_PSK, impl_->psk); r < 0)
      return fail(tls_error(r, "tls"));
  } else {
    if (int r = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, impl_->x509); r < 0)
      return fail(tls_error(r, "tls"));
    gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
    gnutls_session_set_verify_cert(session, nullptr, 0);  // the chain must lead to ca-cert.pem
  }
  gnutls_session_set_ptr(session, transport.get());
  gnutls_transport_set_ptr(session, transport.get());
  gnutls_transport_set_pull_function(session, pull);
  gnutls_transport_set_vec_push_function(session, push);
  gnutls_transport_set_pull_timeout_function(session, pull_timeout);
  gnutls_handshake_set_timeout(session, 0);
  int r;
  do {
    r = gnutls_handshake(session);
  } while (r < 0 && !gnutls_error_is_fatal(r));
  if (r < 0) return fail(tls_error(r, "nbd: TLS handshake"));
  transport->established();
  return std::unique_ptr<Transport>(std::move(transport));
}

}  // namespace udm::exports::nbd
