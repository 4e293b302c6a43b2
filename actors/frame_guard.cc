// guarded_multiplexer (see frame_guard.h).
#include "actors/frame_guard.h"

#include <caf/io/basp/header.hpp>
#include <caf/io/network/scribe_impl.hpp>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace tranche {
namespace {

std::atomic<uint64_t> g_max_message{kDefaultMaxMessageBytes};
std::mutex g_report_mu;
std::function<void(const std::string&)> g_report;

// BASP alternates reads of exactly one header and of exactly the payload that
// header announced. A payload read past the limit is cut to one byte (the
// buffer is sized by the read) and the socket shut down: the multiplexer's
// next read sees the end of the stream, and BASP cleans up after the
// connection as after any peer that hung up.
class guarded_scribe : public caf::io::network::scribe_impl {
 public:
  using scribe_impl::scribe_impl;

  void configure_read(caf::io::receive_policy::config config) override {
    const uint64_t n = config.second;
    if (refused_) {
      config.second = std::min<size_t>(config.second, 1);
    } else if (n != caf::io::basp::header_size) {
      const uint64_t limit = payloads_ == 0 ? kHandshakeLimit : max_message_bytes();
      ++payloads_;
      if (n > limit) {
        refused_ = true;
        config.second = 1;
        ::shutdown(stream_.fd(), SHUT_RDWR);
        report(n, limit);
      }
    }
    scribe_impl::configure_read(config);
  }

 private:
  void report(uint64_t n, uint64_t limit) {
    std::lock_guard<std::mutex> lock(g_report_mu);
    if (!g_report) return;
    g_report(absl::StrCat("a peer at ", addr(), ":", port(), " sent ",
                          payloads_ == 1 ? "a handshake" : "a message", " of ", n,
                          " bytes, over the ", limit, "-byte limit",
                          payloads_ == 1 ? "" : " (max-message-size)",
                          ": closing the connection"));
  }

  uint64_t payloads_ = 0;
  bool refused_ = false;
};

}  // namespace

void set_max_message_bytes(uint64_t bytes) {
  g_max_message.store(std::max(bytes, kHandshakeLimit));
}

uint64_t max_message_bytes() { return g_max_message.load(); }

void on_refused_message(std::function<void(const std::string&)> report) {
  std::lock_guard<std::mutex> lock(g_report_mu);
  g_report = std::move(report);
}

caf::io::scribe_ptr guarded_multiplexer::new_scribe(caf::io::network::native_socket fd) {
  return caf::make_counted<guarded_scribe>(*this, fd);
}

}  // namespace tranche
