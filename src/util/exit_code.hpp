// forgebot's exit statuses, the one place they are defined (documented in man/forgebot.1).
#pragma once

#include "util/error.hpp"

namespace forgebot {

/// Process exit statuses. Rationale: CLI11's own codes (100-127) never leak; usage errors are 2.
enum class ExitCode : int {
    ok = 0,
    failure = 1,
    usage = 2,
    unavailable = 3,  ///< forge or sidecar unreachable or timed out
    agent_failed = 4, ///< the provider reported failure although its process exited 0
    timed_out = 124,
    interrupted = 130,
};

/// The exit status a command returns when it stops on an error of this code.
constexpr ExitCode exit_code_for(Errc code) noexcept {
    switch (code) {
    case Errc::usage:
        return ExitCode::usage;
    case Errc::unavailable:
    case Errc::rate_limited:
    case Errc::server_error:
        return ExitCode::unavailable;
    case Errc::timed_out:
        return ExitCode::timed_out;
    case Errc::agent_failed:
        return ExitCode::agent_failed;
    case Errc::interrupted:
        return ExitCode::interrupted;
    default:
        return ExitCode::failure;
    }
}

/// The integer to hand to exit() or return from main().
constexpr int to_int(ExitCode code) noexcept {
    return static_cast<int>(code);
}

} // namespace forgebot
