// Maildir delivery: write to tmp/, fsync, rename into new/, fsync the directory.
#include "sidecar/queue.hpp"

#include "store/home.hpp"
#include "util/error.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <unistd.h>

namespace forgebot::sidecar {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
    throw Error(Errc::io, "cannot " + what + " " + path.string() + ": " + std::strerror(errno));
}

void write_all(int fd, const std::string& data, const std::filesystem::path& path) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail("write", path);
        }
        done += static_cast<std::size_t>(n);
    }
}

void fsync_dir(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        fail("open", dir);
    }
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) {
        fail("sync", dir);
    }
}

} // namespace

QueueWriter::QueueWriter(std::filesystem::path dir) : m_dir(std::move(dir)) {
    for (const char* sub : {"tmp", "new", "cur"}) {
        store::ensure_private_dir(m_dir / sub);
    }
}

std::string QueueWriter::next_id() {
    // Rationale: Maildir-style names, time first so names sort by creation; pid, a counter and
    // random bits make them unique across processes and restarts.
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    thread_local std::mt19937_64 rng{std::random_device{}()};
    char name[96];
    std::snprintf(name, sizeof name, "%017lld.P%dQ%llu.%08llx", static_cast<long long>(micros),
                  static_cast<int>(::getpid()),
                  static_cast<unsigned long long>(m_counter.fetch_add(1)),
                  static_cast<unsigned long long>(rng() & 0xffffffffULL));
    return name;
}

void QueueWriter::write(const std::string& id, const nlohmann::json& event) {
    const auto tmp = m_dir / "tmp" / id;
    const auto target = m_dir / "new" / id;
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fail("create", tmp);
    }
    try {
        write_all(fd, event.dump() + "\n", tmp);
        if (::fsync(fd) != 0) {
            fail("sync", tmp);
        }
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        const int saved = errno;
        ::unlink(tmp.c_str());
        errno = saved;
        fail("deliver", target);
    }
    fsync_dir(m_dir / "new");
}

} // namespace forgebot::sidecar
