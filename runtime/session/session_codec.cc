// Implementation of the session codec (see session_codec.h).
#include "session/session_codec.h"

#include "console/capnp_frame.h"
#include "schemas/session.capnp.h"

namespace tranche {
namespace {

static_assert(static_cast<int>(session_state::culled) ==
              static_cast<int>(wire::SessionState::CULLED));

void fill(wire::SessionInfo::Builder b, const session_info& s) {
  b.setId(text(s.id));
  b.setName(text(s.name));
  b.setState(static_cast<wire::SessionState>(s.state));
  b.setReason(text(s.reason));
  b.setNode(s.node);
  b.setEndpoint(text(s.endpoint));
  b.setRequester(text(s.requester));
  b.setCreatedUnixMs(s.created_unix_ms);
  b.setEndedUnixMs(s.ended_unix_ms);
  b.setIdleSinceUnixMs(s.idle_since_unix_ms);
  b.setExpiresUnixMs(s.expires_unix_ms);
  b.setIdleTimeoutMs(s.idle_timeout_ms);
  b.setStatements(s.statements);
}

absl::StatusOr<session_info> read(wire::SessionInfo::Reader r) {
  session_info s;
  const auto state = static_cast<int>(r.getState());
  if (state > static_cast<int>(session_state::culled))
    return absl::InvalidArgumentError(
        absl::StrCat("malformed session record: unknown state ", state));
  s.id = str(r.getId());
  if (s.id.empty()) return absl::InvalidArgumentError("malformed session record: no id");
  s.name = str(r.getName());
  s.state = static_cast<session_state>(state);
  s.reason = str(r.getReason());
  s.node = r.getNode();
  s.endpoint = str(r.getEndpoint());
  s.requester = str(r.getRequester());
  s.created_unix_ms = r.getCreatedUnixMs();
  s.ended_unix_ms = r.getEndedUnixMs();
  s.idle_since_unix_ms = r.getIdleSinceUnixMs();
  s.expires_unix_ms = r.getExpiresUnixMs();
  s.idle_timeout_ms = r.getIdleTimeoutMs();
  s.statements = r.getStatements();
  return s;
}

}  // namespace

std::vector<char> encode_session_request(const session_request& r) {
  capnp::MallocMessageBuilder mb;
  auto b = mb.initRoot<wire::SessionRequest>();
  b.setName(text(r.options.name));
  b.setIdleTimeoutMs(r.options.idle_timeout_ms);
  b.setNode(r.options.node);
  b.setRequester(text(r.requester));
  return flat(mb);
}

absl::StatusOr<session_request> decode_session_request(const char* data, size_t size) {
  return with_reader<wire::SessionRequest>(
      data, size, "session request",
      [](wire::SessionRequest::Reader r) -> absl::StatusOr<session_request> {
        session_request out;
        out.options.name = str(r.getName());
        out.options.idle_timeout_ms = r.getIdleTimeoutMs();
        out.options.node = r.getNode();
        out.requester = str(r.getRequester());
        return out;
      });
}

std::vector<char> encode_session_info(const session_info& s) {
  capnp::MallocMessageBuilder mb;
  fill(mb.initRoot<wire::SessionInfo>(), s);
  return flat(mb);
}

absl::StatusOr<session_info> decode_session_info(const char* data, size_t size) {
  return with_reader<wire::SessionInfo>(data, size, "session record",
                                        [](wire::SessionInfo::Reader r) { return read(r); });
}

std::vector<char> encode_session_list(const std::vector<session_info>& ss) {
  capnp::MallocMessageBuilder mb;
  auto list = mb.initRoot<wire::SessionList>().initSessions(static_cast<unsigned>(ss.size()));
  for (size_t i = 0; i < ss.size(); ++i) fill(list[i], ss[i]);
  return flat(mb);
}

absl::StatusOr<std::vector<session_info>> decode_session_list(const char* data, size_t size) {
  return with_reader<wire::SessionList>(
      data, size, "session list",
      [](wire::SessionList::Reader r) -> absl::StatusOr<std::vector<session_info>> {
        std::vector<session_info> out;
        for (auto s : r.getSessions()) {
          auto info = read(s);
          if (!info.ok()) return info.status();
          out.push_back(*std::move(info));
        }
        return out;
      });
}

std::vector<char> encode_kernel_config(const kernel_config& c) {
  capnp::MallocMessageBuilder mb;
  auto b = mb.initRoot<wire::KernelConfig>();
  b.setSessionId(text(c.session_id));
  b.setName(text(c.name));
  b.setLaunchSecret(text(c.launch_secret));
  b.setTokenDigest(text(c.token_digest));
  b.setExpiresUnixMs(c.expires_unix_ms);
  b.setIdleTimeoutMs(c.idle_timeout_ms);
  b.setNode(c.node);
  b.setCluster(text(c.cluster));
  b.setSecretFile(text(c.secret_file));
  b.setTlsCertificate(text(c.tls_certificate));
  b.setTlsKey(text(c.tls_key));
  b.setTlsCa(text(c.tls_ca));
  b.setHttpAddress(text(c.http_address));
  b.setAdvertiseHost(text(c.advertise_host));
  b.setWorkDir(text(c.work_dir));
  b.setNotebookDir(text(c.notebook_dir));
  b.setRequester(text(c.requester));
  b.setMaxResultRows(c.max_result_rows);
  return flat(mb);
}

absl::StatusOr<kernel_config> decode_kernel_config(const char* data, size_t size,
                                                   bool complete) {
  return with_reader<wire::KernelConfig>(
      data, size, "kernel configuration",
      [complete](wire::KernelConfig::Reader r) -> absl::StatusOr<kernel_config> {
        kernel_config c;
        c.session_id = str(r.getSessionId());
        c.name = str(r.getName());
        c.launch_secret = str(r.getLaunchSecret());
        c.token_digest = str(r.getTokenDigest());
        c.expires_unix_ms = r.getExpiresUnixMs();
        c.idle_timeout_ms = r.getIdleTimeoutMs();
        c.node = r.getNode();
        c.cluster = str(r.getCluster());
        c.secret_file = str(r.getSecretFile());
        c.tls_certificate = str(r.getTlsCertificate());
        c.tls_key = str(r.getTlsKey());
        c.tls_ca = str(r.getTlsCa());
        c.http_address = str(r.getHttpAddress());
        c.advertise_host = str(r.getAdvertiseHost());
        c.work_dir = str(r.getWorkDir());
        c.notebook_dir = str(r.getNotebookDir());
        c.requester = str(r.getRequester());
        c.max_result_rows = r.getMaxResultRows();
        for (const auto* f : {&c.session_id, &c.launch_secret, &c.token_digest, &c.cluster,
                              &c.http_address, &c.work_dir})
          if (f->empty() && (complete || f == &c.session_id || f == &c.launch_secret ||
                             f == &c.token_digest))
            return absl::InvalidArgumentError(
                "malformed kernel configuration: a required field is empty");
        if (c.max_result_rows < 1)
          return absl::InvalidArgumentError(
              "malformed kernel configuration: maxResultRows must be at least 1");
        return c;
      });
}

}  // namespace tranche
