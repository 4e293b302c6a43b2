// The session manager's records (see session_book.h).
#include "session/session_book.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace tranche {

namespace {

absl::Status not_found(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("no session ", id));
}

}  // namespace

absl::StatusOr<session_info> session_book::create(const std::string& id,
                                                  const session_options& opts,
                                                  const std::string& requester, uint64_t node,
                                                  std::string digest, int64_t now_ms) {
  if (opts.name.size() > 64)
    return absl::InvalidArgumentError(
        absl::StrCat("a session name has at most 64 bytes, not ", opts.name.size()));
  if (opts.idle_timeout_ms < 0)
    return absl::InvalidArgumentError("the idle timeout cannot be negative");
  if (records_.count(id) != 0) return absl::AlreadyExistsError(absl::StrCat("session ", id));
  record r;
  r.info.id = id;
  r.info.name = opts.name;
  r.info.node = node;
  r.info.requester = requester;
  r.info.created_unix_ms = now_ms;
  r.info.idle_timeout_ms =
      opts.idle_timeout_ms > 0 ? opts.idle_timeout_ms : opts_.default_idle_timeout_ms;
  r.info.expires_unix_ms = now_ms + opts_.max_lifetime_ms;
  r.digest = std::move(digest);
  r.created_seq = ++seq_;
  return records_.emplace(id, std::move(r)).first->second.info;
}

session_book::record* session_book::live(const std::string& id) {
  auto it = records_.find(id);
  if (it == records_.end() || has_ended(it->second.info.state)) return nullptr;
  return &it->second;
}

absl::Status session_book::registered(const std::string& id, const std::string& endpoint,
                                      int64_t now_ms) {
  record* r = live(id);
  if (r == nullptr)
    return records_.count(id)
               ? absl::FailedPreconditionError(absl::StrCat("session ", id, " has ended"))
               : not_found(id);
  if (r->info.state != session_state::starting)
    return absl::FailedPreconditionError(absl::StrCat(
        "session ", id, " is ", std::string(to_string(r->info.state)), ", not starting"));
  r->info.state = session_state::idle;
  r->info.endpoint = endpoint;
  r->info.idle_since_unix_ms = now_ms;
  return absl::OkStatus();
}

absl::Status session_book::set_busy(const std::string& id, bool busy, int64_t statements,
                                    int64_t now_ms) {
  record* r = live(id);
  if (r == nullptr) return not_found(id);
  r->info.statements = std::max(r->info.statements, statements);
  const session_state s = r->info.state;
  if (s == session_state::stopping) return absl::OkStatus();  // it ends anyway
  if (s != session_state::idle && s != session_state::busy)
    return absl::FailedPreconditionError(
        absl::StrCat("session ", id, " is ", std::string(to_string(s)), ", not idle or busy"));
  if (busy) {
    r->info.state = session_state::busy;
    r->info.idle_since_unix_ms = 0;
  } else if (s == session_state::busy) {
    r->info.state = session_state::idle;
    r->info.idle_since_unix_ms = now_ms;  // the idle clock restarts
  }
  return absl::OkStatus();
}

absl::Status session_book::stop(const std::string& id, session_state end, const std::string& reason,
                                int64_t now_ms) {
  (void)now_ms;
  auto it = records_.find(id);
  if (it == records_.end()) return not_found(id);
  record& r = it->second;
  if (has_ended(r.info.state))
    return absl::FailedPreconditionError(
        absl::StrCat("session ", id, " has already ended: ", std::string(to_string(r.info.state)),
                     r.info.reason.empty() ? "" : absl::StrCat(" (", r.info.reason, ")")));
  if (r.info.state == session_state::stopping) return absl::OkStatus();
  r.info.state = session_state::stopping;
  r.info.idle_since_unix_ms = 0;
  r.info.reason = reason;
  r.end = end == session_state::culled ? session_state::culled : session_state::stopped;
  return absl::OkStatus();
}

void session_book::finish(record& r, session_state state, const std::string& reason,
                          int64_t now_ms) {
  r.info.state = state;
  if (r.info.reason.empty() || state == session_state::failed) r.info.reason = reason;
  r.info.ended_unix_ms = now_ms;
  r.info.idle_since_unix_ms = 0;
  ended_.push_back(r.info.id);
  while (ended_.size() > opts_.keep_ended) {
    records_.erase(ended_.front());
    ended_.pop_front();
  }
}

void session_book::exited(const std::string& id, const std::string& reason, int64_t now_ms) {
  record* r = live(id);
  if (r == nullptr) return;
  if (r->info.state == session_state::stopping) {
    const std::string why = r->info.reason;
    finish(*r, r->end, why.empty() ? reason : why, now_ms);
    return;
  }
  finish(*r, session_state::failed, reason, now_ms);
}

void session_book::fail(const std::string& id, const std::string& reason, int64_t now_ms) {
  record* r = live(id);
  if (r == nullptr) return;
  r->info.reason.clear();  // failing wins over a stop asked for earlier
  finish(*r, session_state::failed, reason, now_ms);
}

std::vector<std::string> session_book::node_lost(uint64_t node, const std::string& reason,
                                                 int64_t now_ms) {
  std::vector<std::string> ids;
  for (auto& [id, r] : records_)
    if (r.info.node == node && !has_ended(r.info.state)) ids.push_back(id);
  for (const auto& id : ids) fail(id, reason, now_ms);
  return ids;
}

session_book::due_sessions session_book::due(int64_t now_ms) const {
  due_sessions d;
  for (const auto& [id, r] : records_) {
    const session_info& i = r.info;
    if (has_ended(i.state)) continue;
    if (i.state == session_state::starting &&
        now_ms - i.created_unix_ms >= opts_.register_timeout_ms)
      d.register_timeouts.push_back(id);
    else if (i.state != session_state::stopping && now_ms >= i.expires_unix_ms)
      d.expired.push_back(id);
    else if (i.state == session_state::idle && i.idle_timeout_ms > 0 &&
             now_ms - i.idle_since_unix_ms >= i.idle_timeout_ms)
      d.idle.push_back(id);
  }
  return d;
}

absl::StatusOr<uint64_t> session_book::place(const std::vector<session_host>& hosts,
                                             uint64_t wanted) const {
  if (wanted != 0) {
    for (const auto& h : hosts) {
      if (h.node != wanted) continue;
      if (h.draining)
        return absl::FailedPreconditionError(
            absl::StrCat("node ", wanted, " is draining and takes no new session"));
      if (h.seats <= 0)
        return absl::FailedPreconditionError(
            absl::StrCat("node ", wanted, " hosts no sessions (its max-sessions is 0)"));
      if (live_on(wanted) >= h.seats)
        return absl::ResourceExhaustedError(
            absl::StrCat("node ", wanted, " has no room for a session: ", h.seats, " of ", h.seats,
                         " running (max-sessions)"));
      return wanted;
    }
    return absl::NotFoundError(
        absl::StrCat("no node ", wanted, " that can host sessions in the cluster"));
  }
  const session_host* best = nullptr;
  auto rank = [&](const session_host& h) {
    return std::make_tuple(live_on(h.node), -h.free_slots, h.node);
  };
  int64_t seats = 0;
  for (const auto& h : hosts) {
    if (h.draining || h.seats <= 0) continue;
    seats += h.seats;
    if (live_on(h.node) >= h.seats) continue;
    if (best == nullptr || rank(h) < rank(*best)) best = &h;
  }
  if (best == nullptr)
    return absl::ResourceExhaustedError(
        seats == 0
            ? std::string("no node can host a session (none has max-sessions above 0, or all "
                          "are draining)")
            : absl::StrCat("every node's sessions are taken (", seats,
                           " in all): stop one, or raise max-sessions"));
  return best->node;
}

const session_info* session_book::find(const std::string& id) const {
  auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second.info;
}

std::optional<std::string> session_book::digest(const std::string& id) const {
  auto it = records_.find(id);
  if (it == records_.end()) return std::nullopt;
  return it->second.digest;
}

std::vector<session_info> session_book::list() const {
  std::vector<const record*> rs;
  for (const auto& [id, r] : records_) rs.push_back(&r);
  std::sort(rs.begin(), rs.end(),
            [](const record* a, const record* b) { return a->created_seq > b->created_seq; });
  std::vector<session_info> out;
  for (const record* r : rs) out.push_back(r->info);
  return out;
}

int64_t session_book::live_on(uint64_t node) const {
  int64_t n = 0;
  for (const auto& [id, r] : records_)
    if (r.info.node == node && !has_ended(r.info.state)) ++n;
  return n;
}

std::map<session_state, int64_t> session_book::count_by_state() const {
  std::map<session_state, int64_t> out;
  for (const auto& [id, r] : records_) ++out[r.info.state];
  return out;
}

}  // namespace tranche
