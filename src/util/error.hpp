// The one error type forgebot throws: a category code plus a one-line, user-facing message.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace forgebot {

/// What went wrong, coarse enough to pick an exit code or a JSON-RPC error from.
enum class Errc {
    failure,       ///< anything without a better category
    usage,         ///< the caller asked for something malformed
    invalid_input, ///< data the caller supplied (a file, a value) is unusable
    not_found,     ///< the thing named does not exist
    unauthorized,  ///< credentials missing or rejected
    forbidden,     ///< credentials fine, permission refused
    scope_denied,  ///< a write outside the run's assigned issue and PRs
    rate_limited,  ///< the peer asked us to slow down
    server_error,  ///< the peer failed (5xx)
    bad_response,  ///< the peer answered something we cannot read (HTML, truncated JSON)
    unavailable,   ///< the peer could not be reached
    timed_out,     ///< the peer or a child did not finish in time
    io,            ///< a local file or directory operation failed
    corrupt,       ///< stored state is unreadable or not ours
    agent_failed,  ///< the agent reported failure
    interrupted,   ///< a signal asked us to stop
};

/// The name of a code, for logs and JSON (`"not_found"`).
std::string_view errc_name(Errc code) noexcept;

/// An error with a code and a message written for the user: lowercase, no trailing period,
/// naming what failed and where. Never carries a secret.
class Error : public std::runtime_error {
public:
    Error(Errc code, const std::string& message) : std::runtime_error(message), m_code(code) {}

    /// The category of the failure.
    Errc code() const noexcept { return m_code; }

private:
    Errc m_code;
};

} // namespace forgebot
