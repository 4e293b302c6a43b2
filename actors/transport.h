// How workers and clients reach the head: plain TCP or mutual TLS (CAF's
// openssl module), with every wait bounded. With TLS every node and client
// presents a certificate signed by the cluster CA and verifies its peer's
// against the same CA; CAF checks no host names, so membership means "holds a
// key whose certificate the cluster CA signed" (plus the cluster secret).
//
// CAF 0.17.6's openssl module needs help in four places (measured):
//  - it reads the files lazily, once per connection, and a missing or bad
//    file throws inside its threads: a connecting client waits forever, a
//    head aborts at its next connection (even when the file was only
//    replaced or deleted after startup). load_tls() reads and checks them
//    once and hands CAF sealed in-memory copies.
//  - remote_actor() waits without bound; connect_head() asks the middleman
//    actor itself with a timeout.
//  - a TLS connection whose peer never answers the handshake is never closed:
//    CAF's multiplexer keeps polling it and the actor system's destructor
//    waits until the peer hangs up. So connect_head() first runs the TLS
//    handshake with plain OpenSSL and bounded waits, and lets CAF connect only
//    to a head that completed one; its errors also say which side refused
//    what, where CAF says only "disconnect_during_handshake". (tranched bounds
//    its own shutdown for the head's side of this.)
//  - it leaves OpenSSL's per-thread error queue dirty, which made every
//    failed or closed TLS connection close the healthy ones too; see the end
//    of transport.cc.
#pragma once

#include <caf/all.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "actors/head.h"
#include "tranche/client.h"

namespace tranche {

// How long connect_head() waits for the TLS handshake, and then for CAF's.
inline constexpr std::chrono::seconds kConnectTimeout{10};

// Which side of a TLS connection a certificate must be able to take.
enum class tls_role { server, client };

// The TLS files, read and checked once. Must outlive the actor system that
// configure_tls() set up with them.
class tls_material {
 public:
  tls_material(const tls_material&) = delete;
  tls_material& operator=(const tls_material&) = delete;
  ~tls_material();

  // The paths as configured: what messages name.
  [[nodiscard]] const tls_options& files() const { return files_; }
  // Where the bytes read at startup are: /proc/self/fd/N of sealed memfds.
  [[nodiscard]] const tls_options& copies() const { return copies_; }

 private:
  friend absl::StatusOr<std::unique_ptr<tls_material>> load_tls(const tls_options&, tls_role);
  tls_material() = default;

  tls_options files_;
  tls_options copies_;
  std::vector<int> fds_;
};

// Reads the three files and checks them: all three or none (then: "missing
// tls-key, tls-ca"); each a readable PEM file; the key unencrypted, not
// accessible by others (like the cluster secret) and matching the
// certificate; the certificate valid now, usable for `role` and signed by
// the CA (through the chain in the certificate file, if any). Errors name the
// key and the file: `tls-key "/etc/tranche/node.key": cannot open: No such
// file or directory`. Null when TLS is off (all three empty).
[[nodiscard]] absl::StatusOr<std::unique_ptr<tls_material>> load_tls(const tls_options& tls,
                                                                     tls_role role);

// Loads CAF's openssl module (after the middleman) and points it at the
// in-memory copies.
void configure_tls(caf::actor_system_config& cfg, const tls_material& tls);

// The head published at `host_port`, over TLS when `tls` is set (and the
// system configured with it), else plain TCP. Never waits longer than about
// 2 * kConnectTimeout. Errors start with "cannot reach the head at
// HOST:PORT: ".
[[nodiscard]] absl::StatusOr<head_actor> connect_head(caf::actor_system& sys,
                                                      const std::string& host_port,
                                                      const tls_material* tls);

}  // namespace tranche
