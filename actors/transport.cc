// Reaching the head over plain TCP or mutual TLS; see transport.h for what
// CAF 0.17's openssl module is spared here and why.
#include "actors/transport.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "daemon/config.h"

namespace tranche {
namespace {

using steady = std::chrono::steady_clock;

std::string quoted(const std::string& s) { return absl::StrCat("\"", s, "\""); }

// The reason of the oldest queued OpenSSL error ("no start line"), then
// clears the queue; "" when there is none.
std::string openssl_reason() {
  const unsigned long e = ERR_peek_error();
  ERR_clear_error();
  if (e == 0) return "";
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : absl::StrCat("OpenSSL error ", e);
}

// A passphrase callback that has none: an encrypted key fails to load
// instead of OpenSSL prompting on the terminal, which would hang a daemon.
int no_passphrase(char*, int, int, void*) { return 0; }

struct ctx_deleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct ssl_deleter {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct store_ctx_deleter {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
using ctx_ptr = std::unique_ptr<SSL_CTX, ctx_deleter>;
using ssl_ptr = std::unique_ptr<SSL, ssl_deleter>;

// A context holding this side's certificate, key and trusted CA, as CAF's
// session builds it, read from `read`; errors name `names`.
absl::StatusOr<ctx_ptr> load_context(const tls_options& read, const tls_options& names,
                                     const SSL_METHOD* method) {
  ctx_ptr ctx(SSL_CTX_new(method));
  if (!ctx)
    return absl::InternalError(absl::StrCat("cannot create a TLS context: ", openssl_reason()));
  SSL_CTX_set_default_passwd_cb(ctx.get(), no_passphrase);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), read.certificate.c_str()) != 1)
    return absl::InvalidArgumentError(absl::StrCat("tls-certificate ", quoted(names.certificate),
                                                   ": not a PEM certificate (", openssl_reason(),
                                                   ")"));
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), read.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    const int reason = ERR_GET_REASON(ERR_peek_error());
    ERR_clear_error();
    if (reason == X509_R_KEY_VALUES_MISMATCH)
      return absl::InvalidArgumentError(absl::StrCat("tls-key ", quoted(names.key),
                                                     " is not the key of tls-certificate ",
                                                     quoted(names.certificate)));
    // With no passphrase to give, an encrypted key fails like a garbled one.
    if (reason == EVP_R_BAD_DECRYPT || reason == PEM_R_BAD_PASSWORD_READ ||
        reason == PEM_R_PROBLEMS_GETTING_PASSWORD)
      return absl::InvalidArgumentError(absl::StrCat(
          "tls-key ", quoted(names.key),
          ": the key is encrypted, which is not supported (a daemon cannot ask for the "
          "passphrase); decrypt it with `openssl pkey -in KEY -out KEY.plain`"));
    return absl::InvalidArgumentError(
        absl::StrCat("tls-key ", quoted(names.key), ": not a PEM private key"));
  }
  if (SSL_CTX_load_verify_locations(ctx.get(), read.ca.c_str(), nullptr) != 1)
    return absl::InvalidArgumentError(absl::StrCat(
        "tls-ca ", quoted(names.ca), ": no PEM certificate in it (", openssl_reason(), ")"));
  return ctx;
}

// Reads `path` whole into a sealed memfd and returns it: CAF then reads
// these bytes whatever happens to the file.
absl::StatusOr<int> snapshot(const char* name, const std::string& path, bool secret) {
  auto fail = [&](absl::StatusCode code, const std::string& why) {
    return absl::Status(code, absl::StrCat(name, " ", quoted(path), ": ", why));
  };
  const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return fail(absl::StatusCode::kNotFound, absl::StrCat("cannot open: ", std::strerror(errno)));
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_in{in};
  struct stat st {};
  if (::fstat(in, &st) != 0 || !S_ISREG(st.st_mode))
    return fail(absl::StatusCode::kInvalidArgument, "not a regular file");
  // The same rule as for the cluster secret: a private key others can
  // access is as good as published.
  if (secret && (st.st_mode & 077) != 0)
    return fail(absl::StatusCode::kPermissionDenied,
                absl::StrFormat("the private key is accessible by others (mode %04o); chmod 600 it",
                                st.st_mode & 07777));
  constexpr off_t kMaxBytes = 1 << 20;  // PEM files are a few KiB
  if (st.st_size > kMaxBytes)
    return fail(absl::StatusCode::kInvalidArgument, "too large for a PEM file");
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  struct cleanser {  // the key's bytes do not outlive the copy
    std::string& s;
    ~cleanser() { OPENSSL_cleanse(s.data(), s.size()); }
  } cleanse{bytes};
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(in, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return fail(absl::StatusCode::kDataLoss, absl::StrCat("cannot read: ", std::strerror(errno)));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  bytes.resize(got);
  const int fd = ::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  bool ok = fd >= 0;
  for (size_t done = 0; ok && done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    done += ok ? static_cast<size_t>(n) : 0;
  }
  ok =
      ok && ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0;
  if (!ok) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    return fail(absl::StatusCode::kInternal,
                absl::StrCat("cannot keep a copy in memory: ", std::strerror(err)));
  }
  return fd;
}

// Waits until `fd` is ready for `events` or `deadline` passes.
bool wait_fd(int fd, short events, steady::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

// A non-blocking TCP connection to host:port made before `deadline`.
absl::StatusOr<int> dial(const std::string& host, uint16_t port, steady::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0)
    return absl::UnavailableError(gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, ::freeaddrinfo);
  std::string error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) return fd;
    if (errno != EINPROGRESS) {
      error = std::strerror(errno);
    } else if (!wait_fd(fd, POLLOUT, deadline)) {
      error = "no answer in time";
    } else {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) return fd;
      error = std::strerror(err);
    }
    ::close(fd);
  }
  return absl::UnavailableError(error);
}

enum class io_result { ok, timeout, failed };

// Drives a non-blocking OpenSSL call (SSL_connect, SSL_read) until it
// succeeds, fails (*code: SSL_get_error, OpenSSL's queue left for the
// caller) or `deadline` passes.
template <class Op>
io_result drive(SSL* ssl, int fd, Op op, steady::time_point deadline, int* code) {
  for (;;) {
    ERR_clear_error();
    const int r = op();
    if (r > 0) return io_result::ok;
    *code = SSL_get_error(ssl, r);
    short events = 0;
    if (*code == SSL_ERROR_WANT_READ) events = POLLIN;
    if (*code == SSL_ERROR_WANT_WRITE) events = POLLOUT;
    if (events == 0) return io_result::failed;
    if (!wait_fd(fd, events, deadline)) return io_result::timeout;
  }
}

// Alerts that mean "I do not accept your certificate".
bool is_certificate_alert(int alert) {
  switch (alert) {
    case SSL_AD_BAD_CERTIFICATE:
    case SSL_AD_UNSUPPORTED_CERTIFICATE:
    case SSL_AD_CERTIFICATE_REVOKED:
    case SSL_AD_CERTIFICATE_EXPIRED:
    case SSL_AD_CERTIFICATE_UNKNOWN:
    case SSL_AD_UNKNOWN_CA:
    case SSL_AD_ACCESS_DENIED:
    case SSL_AD_CERTIFICATE_REQUIRED:
      return true;
    default:
      return false;
  }
}

// Why a TLS exchange with the head failed, in its terms: which certificate
// was refused by whom, or that the head speaks no TLS at all.
std::string explain_failure(SSL* ssl, int code, const tls_options& names, bool handshake_done) {
  const unsigned long e = ERR_peek_error();
  const int reason = e == 0 ? 0 : ERR_GET_REASON(e);
  const char* text = e == 0 ? nullptr : ERR_reason_error_string(e);
  const std::string what = text ? text : absl::StrCat("OpenSSL error ", e);
  ERR_clear_error();
  if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED)
    return absl::StrCat("its certificate does not verify against tls-ca ", quoted(names.ca), " (",
                        X509_verify_cert_error_string(SSL_get_verify_result(ssl)),
                        "): is it a head of this cluster?");
  // OpenSSL reports an alert received from the peer as reason
  // SSL_AD_REASON_OFFSET + the alert's number.
  if (reason >= SSL_AD_REASON_OFFSET) {
    if (is_certificate_alert(reason - SSL_AD_REASON_OFFSET))
      return absl::StrCat("it refused this side's certificate (tls-certificate ",
                          quoted(names.certificate), "): ", what,
                          "; the head accepts only certificates signed by its CA");
    return absl::StrCat("it ended the TLS handshake: ", what);
  }
  if (code == SSL_ERROR_ZERO_RETURN || (code == SSL_ERROR_SYSCALL && e == 0))
    return handshake_done ? "it closed the connection right after the TLS handshake"
                          : "it closed the connection during the TLS handshake";
  if (!handshake_done &&
      (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
       reason == SSL_R_UNKNOWN_PROTOCOL || reason == SSL_R_HTTP_REQUEST ||
       reason == SSL_R_UNEXPECTED_RECORD))
    return absl::StrCat("it does not speak TLS (", what,
                        "); is it running without tls-certificate, tls-key and tls-ca?");
  return absl::StrCat("TLS failed: ", what);
}

// Runs the TLS handshake with the head as CAF would (this side's
// certificate; the head's verified against tls.ca) and waits for the first
// bytes of CAF's own handshake, which a head sends right after TLS's. On
// success, CAF's connection to the same head will not hang in its handshake.
absl::Status probe_tls_head(const std::string& host, uint16_t port, const tls_material& tls) {
  const auto deadline = steady::now() + kConnectTimeout;
  auto fd = dial(host, port, deadline);
  if (!fd.ok()) return fd.status();
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_fd{*fd};
  auto ctx = load_context(tls.copies(), tls.files(), TLS_client_method());
  if (!ctx.ok()) return ctx.status();
  SSL_CTX_set_verify(ctx->get(), SSL_VERIFY_PEER, nullptr);
  ssl_ptr ssl(SSL_new(ctx->get()));
  if (!ssl) return absl::InternalError(absl::StrCat("SSL_new: ", openssl_reason()));
  SSL_set_fd(ssl.get(), *fd);
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(kConnectTimeout).count();
  int code = 0;
  switch (drive(
      ssl.get(), *fd, [&] { return SSL_connect(ssl.get()); }, deadline, &code)) {
    case io_result::ok:
      break;
    case io_result::timeout:
      return absl::DeadlineExceededError(absl::StrCat("no TLS handshake within ", secs,
                                                      " s (is it hung, or not a tranche head?)"));
    case io_result::failed:
      return absl::UnavailableError(explain_failure(ssl.get(), code, tls.files(), false));
  }
  // Under TLS 1.3 the head checks this side's certificate after the client
  // has finished its part: a refusal arrives as an alert on the first read.
  char byte = 0;
  switch (drive(
      ssl.get(), *fd, [&] { return SSL_read(ssl.get(), &byte, 1); }, deadline, &code)) {
    case io_result::ok:
      break;
    case io_result::timeout:
      return absl::DeadlineExceededError(
          absl::StrCat("it sent nothing within ", secs, " s after the TLS handshake"));
    case io_result::failed:
      return absl::UnavailableError(explain_failure(ssl.get(), code, tls.files(), true));
  }
  // Without a close_notify: the head sees a connection that ended before
  // CAF's handshake, which it drops without a word.
  return absl::OkStatus();
}

// Whether host:port answers a ClientHello like a TLS server: a hint for a
// plaintext connection that the head dropped.
bool speaks_tls(const std::string& host, uint16_t port) {
  const auto deadline = steady::now() + std::chrono::seconds(2);
  auto fd = dial(host, port, deadline);
  if (!fd.ok()) return false;
  ctx_ptr ctx(SSL_CTX_new(TLS_client_method()));
  ssl_ptr ssl(ctx ? SSL_new(ctx.get()) : nullptr);
  bool tls = false;
  if (ssl) {
    SSL_set_fd(ssl.get(), *fd);
    int code = 0;
    const io_result r = drive(
        ssl.get(), *fd, [&] { return SSL_connect(ssl.get()); }, deadline, &code);
    const unsigned long e = ERR_peek_error();
    // A finished handshake, or an alert (it wanted a certificate), is TLS.
    tls = r == io_result::ok || (e != 0 && ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET);
    ERR_clear_error();
  }
  ::close(*fd);
  return tls;
}

}  // namespace

tls_material::~tls_material() {
  for (int fd : fds_) ::close(fd);
}

absl::StatusOr<std::unique_ptr<tls_material>> load_tls(const tls_options& tls, tls_role role) {
  std::vector<std::string> missing;
  if (tls.certificate.empty()) missing.push_back("tls-certificate");
  if (tls.key.empty()) missing.push_back("tls-key");
  if (tls.ca.empty()) missing.push_back("tls-ca");
  if (missing.size() == 3) return nullptr;  // plain TCP
  if (!missing.empty())
    return absl::InvalidArgumentError(
        absl::StrCat("TLS needs all of tls-certificate, tls-key and tls-ca (missing ",
                     absl::StrJoin(missing, ", "), ")"));
  std::unique_ptr<tls_material> m(new tls_material());
  m->files_ = tls;
  for (auto [name, path, copy, secret] :
       {std::tuple<const char*, const std::string*, std::string*, bool>{
            "tls-certificate", &tls.certificate, &m->copies_.certificate, false},
        {"tls-key", &tls.key, &m->copies_.key, true},
        {"tls-ca", &tls.ca, &m->copies_.ca, false}}) {
    auto fd = snapshot(name, *path, secret);
    if (!fd.ok()) return fd.status();
    m->fds_.push_back(*fd);
    *copy = absl::StrCat("/proc/self/fd/", *fd);
  }
  auto ctx = load_context(m->copies_, m->files_, TLS_method());
  if (!ctx.ok()) return ctx.status();
  // A certificate its own CA does not vouch for would be refused by every
  // peer, with nothing but "unknown ca" on their side: say it here.
  std::unique_ptr<X509_STORE_CTX, store_ctx_deleter> verify(X509_STORE_CTX_new());
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx->get(), &chain);
  if (!verify || X509_STORE_CTX_init(verify.get(), SSL_CTX_get_cert_store(ctx->get()),
                                     SSL_CTX_get0_certificate(ctx->get()), chain) != 1)
    return absl::InternalError(absl::StrCat("cannot verify tls-certificate: ", openssl_reason()));
  X509_STORE_CTX_set_purpose(
      verify.get(), role == tls_role::server ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(verify.get()) != 1)
    return absl::InvalidArgumentError(absl::StrCat(
        "tls-certificate ", quoted(tls.certificate), " does not verify against tls-ca ",
        quoted(tls.ca), " as a TLS ", role == tls_role::server ? "server" : "client",
        " certificate: ", X509_verify_cert_error_string(X509_STORE_CTX_get_error(verify.get()))));
  ERR_clear_error();
  return m;
}

void configure_tls(caf::actor_system_config& cfg, const tls_material& tls) {
  cfg.load<caf::openssl::manager>();
  cfg.set("openssl.certificate", tls.copies().certificate);
  cfg.set("openssl.key", tls.copies().key);
  cfg.set("openssl.cafile", tls.copies().ca);
}

absl::StatusOr<head_actor> connect_head(caf::actor_system& sys, const std::string& host_port,
                                        const tls_material* tls) {
  const std::string prefix = absl::StrCat("cannot reach the head at ", host_port, ": ");
  std::string host;
  uint16_t port = 0;
  if (auto s = split_host_port(host_port, &host, &port); !s.ok())
    return absl::InvalidArgumentError(prefix + std::string(s.message()));
  if (tls != nullptr)
    if (auto s = probe_tls_head(host, port, *tls); !s.ok())
      return absl::Status(s.code(), prefix + std::string(s.message()));
  // remote_actor() without its unbounded wait: ask the (TLS) middleman actor.
  const caf::io::middleman_actor mm =
      tls != nullptr ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
  absl::StatusOr<head_actor> out = absl::UnavailableError(prefix + "no answer");
  caf::error failed;
  caf::scoped_actor self{sys};
  // CAF 0.17.6's BASP broker creates a connecting peer's context with
  // last_seen at the clock's epoch and sets it only when the peer's first
  // bytes arrive; a heartbeat tick in between (every 100 ms) finds it "silent
  // for years" and drops it with connection_timeout. A handshake slower than
  // a tick (TLS under load) trips it: try again, within kConnectTimeout.
  const auto deadline = std::chrono::steady_clock::now() + kConnectTimeout;
  for (;;) {
    failed = caf::error{};
    self->request(mm, kConnectTimeout, caf::connect_atom::value, host, port)
        .receive(
            [&](const caf::node_id&, caf::strong_actor_ptr& ptr,
                const std::set<std::string>& ifs) {
              if (!ptr)
                out = absl::NotFoundError(prefix + "nothing is published on that port");
              else if (!sys.assignable<head_actor>(ifs))
                out = absl::FailedPreconditionError(
                    prefix + "what is published there is not a tranche head of this version");
              else
                out = caf::actor_cast<head_actor>(std::move(ptr));
            },
            [&](caf::error& e) { failed = std::move(e); });
    if (failed != caf::sec::connection_timeout ||
        std::chrono::steady_clock::now() + std::chrono::milliseconds(50) >= deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!failed) return out;
  if (failed == caf::sec::request_timeout)
    return absl::DeadlineExceededError(absl::StrCat(
        prefix, "no answer within ",
        std::chrono::duration_cast<std::chrono::seconds>(kConnectTimeout).count(), " s"));
  // A TLS head drops a plaintext peer's first bytes with nothing CAF could
  // tell apart from any other failed handshake: ask it in TLS.
  if (tls == nullptr && failed == caf::sec::disconnect_during_handshake && speaks_tls(host, port))
    return absl::FailedPreconditionError(
        prefix + "it requires TLS (set tls-certificate, tls-key and tls-ca)");
  return absl::UnavailableError(prefix + sys.render(failed));
}

}  // namespace tranche

// CAF 0.17.6 calls SSL_read, SSL_write, SSL_connect and SSL_accept for all
// connections on its one multiplexer thread without emptying OpenSSL's
// per-thread error queue first, and leaves errors there when a handshake
// fails or a peer hangs up without close_notify (with OpenSSL 3, every
// disconnect). SSL_get_error() reads that queue before anything else, so the
// next healthy connection that merely has no data yet is taken for failed and
// closed: measured, every client that ran a program, every port probe and
// every refused certificate dropped all workers of a TLS head. These
// definitions take the place of libssl's for the whole process (CAF's
// library included) and empty the queue first, as OpenSSL's documentation
// of SSL_get_error() requires; then they call libssl's own.
namespace {

template <class F>
F libssl(const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  if (f == nullptr) std::abort();  // libssl is linked in: cannot happen
  return reinterpret_cast<F>(f);
}

}  // namespace

extern "C" int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto real = libssl<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

extern "C" int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto real = libssl<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

extern "C" int SSL_connect(SSL* ssl) {
  static const auto real = libssl<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

extern "C" int SSL_accept(SSL* ssl) {
  static const auto real = libssl<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}
