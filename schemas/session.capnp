# Sessions (runtime/include/tranche/session.h): what a client asks for, the
# head's records of them, and the configuration a node's agent hands the
# kernel process it launches, over the kernel's inherited stdin pipe.
@0xc3b1f0a2d4e59687;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("tranche::wire");

# Mirrors session_state; the ordinal is the wire value.
enum SessionState {
  starting @0;
  idle @1;
  busy @2;
  stopping @3;
  stopped @4;
  failed @5;
  culled @6;
}

struct SessionRequest {
  name @0 :Text;
  idleTimeoutMs @1 :Int64;   # 0: the head's default
  node @2 :UInt64;           # 0: any node with room
  requester @3 :Text;        # user@host
}

struct SessionInfo {
  id @0 :Text;
  name @1 :Text;
  state @2 :SessionState;
  reason @3 :Text;
  node @4 :UInt64;
  endpoint @5 :Text;
  requester @6 :Text;
  createdUnixMs @7 :Int64;
  endedUnixMs @8 :Int64;
  idleSinceUnixMs @9 :Int64;
  expiresUnixMs @10 :Int64;
  idleTimeoutMs @11 :Int64;
  statements @12 :Int64;
}

struct SessionList {
  sessions @0 :List(SessionInfo);
}

# What the launching agent writes to the kernel's stdin, then closes.
struct KernelConfig {
  sessionId @0 :Text;
  name @1 :Text;
  launchSecret @2 :Text;     # one-time: proves the registering kernel is the one launched
  tokenDigest @3 :Text;      # SHA-256 of the session token, hex
  expiresUnixMs @4 :Int64;   # the token's and the session's absolute end
  idleTimeoutMs @5 :Int64;
  node @6 :UInt64;
  cluster @7 :Text;          # the head to attach to, host:port
  secretFile @8 :Text;       # the cluster secret's file on this node
  tlsCertificate @9 :Text;   # this node's TLS files, when the cluster uses TLS
  tlsKey @10 :Text;
  tlsCa @11 :Text;
  httpAddress @12 :Text;     # where the kernel's endpoint listens (port 0: any free one)
  advertiseHost @13 :Text;   # the host the endpoint is reached at
  workDir @14 :Text;         # the session's own directory (temporary tables)
  notebookDir @15 :Text;     # where notebooks are saved on this node
  requester @16 :Text;
  maxResultRows @17 :Int64;  # rows a statement's output keeps
}
