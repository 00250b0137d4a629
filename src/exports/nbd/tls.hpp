// TLS for NBD (NBD_OPT_STARTTLS) through GnuTLS: X.509 with client
// certificates, as qemu-nbd's tls-creds-x509 (a directory with ca-cert.pem,
// server-cert.pem, server-key.pem; clients must present a certificate the CA
// signed), or pre-shared keys as nbdkit's --tls-psk (a file of
// "username:hexkey" lines, psktool's format).
#pragma once

#include <memory>
#include <string>

#include "base/result.hpp"
#include "exports/nbd/transport.hpp"

namespace udm::exports::nbd {

class TlsCredentials {
 public:
  static Result<std::shared_ptr<TlsCredentials>> load_x509(const std::string& dir);
  static Result<std::shared_ptr<TlsCredentials>> load_psk(const std::string& file);
  // One in-memory key (the fuzz target and tests).
  static Result<std::shared_ptr<TlsCredentials>> psk_key(const std::string& username, const std::string& hex_key);
  ~TlsCredentials();
  TlsCredentials(const TlsCredentials&) = delete;
  TlsCredentials& operator=(const TlsCredentials&) = delete;

  // The server side of a TLS handshake over `inner` (which must outlive the
  // result). Fails when the client does not authenticate.
  Result<std::unique_ptr<Transport>> handshake(Transport& inner) const;

  struct Impl;

 private:
  explicit TlsCredentials(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace udm::exports::nbd
