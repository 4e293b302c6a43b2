// A bound on what a peer can make this process allocate before it has proven
// anything. CAF 0.17's BASP reads a 32-byte header and then allocates and
// zero-fills exactly the payload length the header claims (up to 4 GiB) before
// reading it: 32 bytes from anyone who can reach a listening port made a head
// allocate 4 GiB (measured: RSS 14 MB -> 1.9 GB in 3 s, and rising). Our own
// authentication (the secret's challenge, see head.h) runs only after BASP's
// handshake, so it cannot help.
//
// guarded_multiplexer is CAF's default multiplexer whose connections refuse
// a payload longer than the limits: the first payload on a connection is BASP's
// handshake (a few hundred bytes; at most kHandshakeLimit), every later one at
// most max_message_bytes(). A refused connection is shut down before anything
// is allocated for its payload.
//
// Used by every actor system that accepts connections without TLS (daemons,
// remote clients). With TLS, CAF's openssl module makes its own connections:
// a peer must first complete a TLS handshake with a certificate the cluster CA
// signed, and that is the bound.
#pragma once

#include <caf/io/network/default_multiplexer.hpp>
#include <cstdint>
#include <functional>
#include <string>

namespace tranche {

inline constexpr uint64_t kHandshakeLimit = 64 * 1024;
inline constexpr uint64_t kDefaultMaxMessageBytes = uint64_t{256} << 20;

// The limit for payloads after the handshake (process-wide; set before the
// actor system starts). At least kHandshakeLimit.
void set_max_message_bytes(uint64_t bytes);
[[nodiscard]] uint64_t max_message_bytes();

// Told of each refused payload: "a peer at 10.0.0.7:53122 sent a message of
// 4294967280 bytes, over the 268435456-byte limit (max-message-size): closing
// the connection". The daemon logs it.
void on_refused_message(std::function<void(const std::string&)> report);

// Load with cfg.load<caf::io::middleman, guarded_multiplexer>().
class guarded_multiplexer : public caf::io::network::default_multiplexer {
 public:
  explicit guarded_multiplexer(caf::actor_system* sys) : default_multiplexer(sys) {}

  caf::io::scribe_ptr new_scribe(caf::io::network::native_socket fd) override;
};

}  // namespace tranche
