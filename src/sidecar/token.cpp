// Token sources for the sidecar.
#include "sidecar/token.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace forgebot::sidecar {

namespace {

std::string trim_newline(std::string token) {
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
        token.pop_back();
    }
    return token;
}

std::string read_all(int fd, const std::string& what) {
    std::string data;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw Error(Errc::usage,
                        "cannot read the token from " + what + ": " + std::strerror(errno));
        }
        if (n == 0) {
            break;
        }
        data.append(buf, static_cast<std::size_t>(n));
        if (data.size() > 64 * 1024) {
            throw Error(Errc::usage, "the token from " + what + " is longer than 64 KiB");
        }
    }
    return data;
}

void check_token(const std::string& token, const std::string& what) {
    if (token.empty()) {
        throw Error(Errc::usage, "the token from " + what + " is empty");
    }
    if (token.find_first_of("\r\n") != std::string::npos) {
        throw Error(Errc::usage, "the token from " + what + " spans several lines");
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
        token = trim_newline(read_all(fd, what));
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    check_token(token, what);
    return token;
}

std::string read_token_file(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        throw Error(Errc::usage,
                    "cannot open token file " + file.string() + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(Errc::usage, "token file " + file.string() + " is not a regular file");
    }
    if ((st.st_mode & 077) != 0) {
        ::close(fd);
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw Error(Errc::usage, "token file " + file.string() + " is readable by others (mode " +
                                     mode + "); run: chmod 600 " + file.string());
    }
    std::string token;
    try {
        token = trim_newline(read_all(fd, "token file " + file.string()));
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
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
