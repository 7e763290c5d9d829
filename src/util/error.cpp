// Names of error codes.
#include "util/error.hpp"

namespace forgebot {

std::string_view errc_name(Errc code) noexcept {
    switch (code) {
    case Errc::failure:
        return "failure";
    case Errc::usage:
        return "usage";
    case Errc::invalid_input:
        return "invalid_input";
    case Errc::not_found:
        return "not_found";
    case Errc::unauthorized:
        return "unauthorized";
    case Errc::forbidden:
        return "forbidden";
    case Errc::scope_denied:
        return "scope_denied";
    case Errc::rate_limited:
        return "rate_limited";
    case Errc::server_error:
        return "server_error";
    case Errc::bad_response:
        return "bad_response";
    case Errc::unavailable:
        return "unavailable";
    case Errc::timed_out:
        return "timed_out";
    case Errc::io:
        return "io";
    case Errc::corrupt:
        return "corrupt";
    case Errc::agent_failed:
        return "agent_failed";
    case Errc::interrupted:
        return "interrupted";
    }
    return "failure";
}

} // namespace forgebot
