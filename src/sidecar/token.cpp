// Token sources for the sidecar.
#include "sidecar/token.hpp"

#include "util/error.hpp"
#include "util/secret_file.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

namespace forgebot::sidecar {

namespace {

std::string trim_newline(std::string token) {
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
        token.pop_back();
    }
    return token;
}

void check_token(const std::string& token, const std::string& what) {
    if (token.empty()) {
        throw Error(Errc::usage, "the token from " + what + " is empty");
    }
    if (token.find_first_of("\r\n") != std::string::npos) {
        throw Error(Errc::usage, "the token from " + what + " spans several lines");
    }
}

/// What `read` returns, with any Error re-coded as Errc::usage. Rationale: the token source is
/// named on the sidecar's command line, so whatever is wrong with it is a usage error (exit 2).
template <typename Read> std::string as_usage(Read read) {
    try {
        return read();
    } catch (const Error& e) {
        throw Error(Errc::usage, e.what());
    }
}

} // namespace

std::string read_token_fd(int fd) {
    const std::string what = "descriptor " + std::to_string(fd);
    if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) {
        throw Error(Errc::usage, "cannot read the token from " + what + ": it is not open");
    }
    std::string token;
    try {
        token = as_usage([&] { return util::read_secret_fd(fd, "token " + what); });
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    check_token(token, what);
    return token;
}

std::string read_token_file(const std::filesystem::path& file) {
    std::string token = as_usage([&] { return util::read_secret_file(file, "token file"); });
    check_token(token, "token file " + file.string());
    return token;
}

std::optional<std::string> take_token_env() {
    const char* value = std::getenv("FORGE_TOKEN");
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    std::string token = trim_newline(value);
    ::unsetenv("FORGE_TOKEN");
    check_token(token, "FORGE_TOKEN");
    return token;
}

} // namespace forgebot::sidecar
