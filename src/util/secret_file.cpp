// Reading private secret files, with the mode check done on the open descriptor.
#include "util/secret_file.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace forgebot::util {

namespace {

constexpr std::size_t k_max_size = 64 * 1024;

/// Closes a descriptor when it goes out of scope.
class FdCloser {
public:
    explicit FdCloser(int fd) : m_fd(fd) {}
    ~FdCloser() { ::close(m_fd); }
    FdCloser(const FdCloser&) = delete;
    FdCloser& operator=(const FdCloser&) = delete;

private:
    int m_fd;
};

} // namespace

std::string read_secret_fd(int fd, std::string_view what) {
    std::string data;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw Error(Errc::io, "cannot read " + std::string(what) + ": " + std::strerror(errno));
        }
        if (n == 0) {
            break;
        }
        data.append(buf, static_cast<std::size_t>(n));
        if (data.size() > k_max_size) {
            throw Error(Errc::invalid_input, std::string(what) + " is larger than 64 KiB");
        }
    }
    if (data.ends_with('\n')) {
        data.pop_back();
        if (data.ends_with('\r')) {
            data.pop_back();
        }
    }
    if (data.empty()) {
        throw Error(Errc::invalid_input, std::string(what) + " is empty");
    }
    return data;
}

std::string read_secret_file(const std::filesystem::path& file, std::string_view what) {
    const std::string name = std::string(what) + " " + file.string();
    // Rationale: O_NONBLOCK keeps a FIFO planted at the path from blocking the open; it has no
    // effect on the regular file we accept. Symlinks are followed (secret mounts are often
    // symlinks) and are safe to follow because the checks below use fstat on what was opened.
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        const int error = errno;
        if (error == ENOENT) {
            throw Error(Errc::not_found, "no " + std::string(what) + " at " + file.string());
        }
        throw Error(Errc::io, "cannot open " + name + ": " + std::strerror(error));
    }
    const FdCloser closer(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        throw Error(Errc::io, "cannot inspect " + name + ": " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        throw Error(Errc::invalid_input, name + " is not a regular file");
    }
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw Error(Errc::invalid_input, name + " is readable by others (mode " + mode +
                                             "); run: chmod 600 " + file.string());
    }
    return read_secret_fd(fd, name);
}

} // namespace forgebot::util
