// The stdio transport of `forgebot mcp`: newline-delimited JSON-RPC messages in and out.
#pragma once

#include "mcp/server.hpp"

#include <iosfwd>

namespace forgebot::mcp {

/// Reads `in` line by line until end of file, hands each line to `server`, and writes each
/// answer to `out` followed by a newline, flushed at once. Returns at end of input, or when `out`
/// fails (the client has gone). Writes nothing to `out` but protocol messages. Rationale: requests
/// are answered one at a time, in order, so calls an agent makes in parallel run one after the
/// other and a ping sent during a long call (a push waits on the forge) is answered after it; the
/// sidecar answers everything else in milliseconds, so a second thread here would buy little but
/// locking.
void serve(Server& server, std::istream& in, std::ostream& out);

} // namespace forgebot::mcp
