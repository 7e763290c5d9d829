// Building the process and bubblewrap command lines an agent runs with, and finding out whether
// bubblewrap can sandbox here.
#include "bottle/sandbox.hpp"

#include "util/child.hpp"
#include "util/error.hpp"
#include "util/process.hpp"

#include <algorithm>
#include <cassert>
#include <fcntl.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace forgebot::bottle {

namespace fs = std::filesystem;

namespace {

/// System directories shown read-only; the usrmerge symlinks (`/bin` → `usr/bin`) are
/// recreated as symlinks.
const std::vector<std::string> k_system_dirs{"/usr",   "/bin",   "/sbin",   "/lib",
                                             "/lib32", "/lib64", "/libx32", "/etc"};

/// Where the bwrap executable is, or std::nullopt.
std::optional<fs::path> find_bwrap() {
    return util::find_program("bwrap", util::get_env("PATH").value_or("/usr/bin:/bin"));
}

/// The error of a bwrap backend that cannot run here, for bwrap's reason `why`.
std::string unusable_message(const std::string& why) {
    return "the bwrap backend cannot run here: " + why + "; use --backend process";
}

/// Up to `limit` bytes of the file `path` (a small one, such as under /proc); "-" when it cannot
/// be read.
std::string read_small(const fs::path& path, std::size_t limit = 4096) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        return "-";
    }
    std::string text(limit, '\0');
    const ssize_t size = ::read(fd, text.data(), text.size());
    ::close(fd);
    if (size < 0) {
        return "-";
    }
    text.resize(static_cast<std::size_t>(size));
    return text;
}

/// What decides whether bwrap can create its namespaces, as text; empty when the bwrap binary
/// cannot be looked at. Reading it costs a few dozen system calls, the probe three processes.
///
/// Rationale: a positive probe is cached, not skipped when --backend bwrap is given, so that
/// every start behaves as before: a bwrap that cannot sandbox is still refused with bwrap's own
/// reason before anything is made, and an automatic choice of backend is as cheap. The key holds
/// all that the answer depends on: the binary (a new or setuid one), the kernel and this boot
/// (sysctls set at run time do not outlive it), our user, namespaces, seccomp filters and
/// capabilities (another container or service), and the sysctls that allow user namespaces. A
/// change it misses shows as a failed run, after which BwrapProbe::recheck asks bwrap again and
/// says why. A negative answer is never cached, so it cannot hold back a sandbox that has
/// become possible, and a cache file planted or left behind can only make forgebot try bwrap.
std::string probe_key(const fs::path& bwrap) {
    struct stat st {};
    if (::stat(bwrap.c_str(), &st) != 0) {
        return {};
    }
    std::ostringstream key;
    key << "forgebot bwrap probe 1\nbwrap " << bwrap.string() << ' ' << st.st_dev << ' '
        << st.st_ino << ' ' << st.st_size << ' ' << st.st_mode << ' ' << st.st_uid << ' '
        << st.st_mtim.tv_sec << '.' << st.st_mtim.tv_nsec << ' ' << st.st_ctim.tv_sec << '.'
        << st.st_ctim.tv_nsec << '\n';
    utsname uts{};
    if (::uname(&uts) == 0) {
        key << "kernel " << uts.release << ' ' << uts.version << '\n';
    }
    key << "boot " << read_small("/proc/sys/kernel/random/boot_id") << "euid " << ::geteuid()
        << '\n';
    for (const char* ns : {"user", "mnt", "pid"}) {
        struct stat ns_st {};
        if (::stat((std::string("/proc/self/ns/") + ns).c_str(), &ns_st) == 0) {
            key << "ns " << ns << ' ' << ns_st.st_dev << ':' << ns_st.st_ino << '\n';
        }
    }
    std::istringstream status(read_small("/proc/self/status", 16384));
    for (std::string line; std::getline(status, line);) {
        for (const char* field :
             {"NoNewPrivs:", "Seccomp:", "Seccomp_filters:", "CapEff:", "CapBnd:"}) {
            if (line.starts_with(field)) {
                key << line << '\n';
            }
        }
    }
    for (const char* sysctl :
         {"/proc/sys/kernel/unprivileged_userns_clone", "/proc/sys/user/max_user_namespaces",
          "/proc/sys/user/max_pid_namespaces", "/proc/sys/user/max_ipc_namespaces",
          "/proc/sys/user/max_uts_namespaces", "/proc/sys/user/max_mnt_namespaces",
          "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"}) {
        std::string value = read_small(sysctl, 64);
        if (!value.empty() && value.back() == '\n') {
            value.pop_back();
        }
        key << sysctl << ' ' << value << '\n';
    }
    return key.str();
}

/// Writes `key` to the cache file `file` (0600, through a rename); a failure leaves no cache.
void remember(const fs::path& file, const std::string& key) {
    const fs::path temporary = file.string() + ".tmp-" + std::to_string(::getpid());
    const int fd =
        ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return;
    }
    const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
    ::close(fd);
    std::error_code ec;
    if (written) {
        fs::rename(temporary, file, ec);
    }
    if (!written || ec) {
        fs::remove(temporary, ec);
    }
}

void add_system_view(std::vector<std::string>& argv, std::vector<std::string>& binds) {
    for (const auto& dir : k_system_dirs) {
        std::error_code ec;
        const auto status = fs::symlink_status(dir, ec);
        if (ec || !fs::exists(status)) {
            continue;
        }
        if (fs::is_symlink(status)) {
            const auto target = fs::read_symlink(dir, ec);
            if (!ec) {
                argv.insert(argv.end(), {"--symlink", target.string(), dir});
            }
        } else {
            argv.insert(argv.end(), {"--ro-bind", dir, dir});
            binds.push_back("ro " + dir);
        }
    }
    // Name resolution on hosts where /etc/resolv.conf points into /run.
    argv.insert(argv.end(), {"--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve"});
    argv.insert(argv.end(), {"--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"});
    binds.insert(binds.end(), {"dev /dev", "proc /proc", "tmpfs /tmp"});
}

void bind(std::vector<std::string>& argv, std::vector<std::string>& binds, bool writable,
          const fs::path& path) {
    argv.insert(argv.end(), {writable ? "--bind" : "--ro-bind", path.string(), path.string()});
    binds.push_back((writable ? "rw " : "ro ") + path.string());
}

} // namespace

Launch plan_launch(BackendKind backend, const LaunchRequest& request) {
    assert(!request.argv.empty());
    const auto program = util::find_program(request.argv.front(), request.host_path);
    if (!program) {
        throw Error(Errc::not_found, "cannot find the agent program '" + request.argv.front() +
                                         "' on PATH (" + request.host_path + ")");
    }
    Launch launch;
    launch.backend = backend;
    launch.program = *program;
    launch.cwd = request.workspace;
    for (const auto& [name, value] : request.env) {
        launch.env.push_back(name + "=" + value);
    }
    if (backend == BackendKind::process) {
        launch.argv = request.argv;
        launch.argv.front() = program->string();
        return launch;
    }

    const auto bwrap = find_bwrap();
    if (!bwrap) {
        throw Error(Errc::not_found,
                    "bubblewrap (bwrap) is not installed; install it or use --backend process");
    }
    auto& argv = launch.argv;
    argv = {bwrap->string(), "--unshare-user", "--unshare-pid",
            "--unshare-ipc", "--unshare-uts",  "--die-with-parent",
            "--new-session", "--hostname",     "forgebot"};
    if (!request.profile.network) {
        argv.push_back("--unshare-net");
    }
    add_system_view(argv, launch.binds);
    // Rationale: binds come after the private /tmp so that a FORGEBOT_HOME under /tmp is
    // mounted on top of it rather than hidden by it.
    bind(argv, launch.binds, true, request.workspace);
    bind(argv, launch.binds, true, request.home);
    if (request.sidecar_dir) {
        bind(argv, launch.binds, true, *request.sidecar_dir);
    }
    for (const auto& path : request.read_only) {
        bind(argv, launch.binds, false, path);
    }
    bind(argv, launch.binds, false, *program);
    if (!request.forgebot_binary.empty() && request.forgebot_binary != *program) {
        bind(argv, launch.binds, false, request.forgebot_binary);
    }
    for (const auto& path : request.profile.ro) {
        bind(argv, launch.binds, false, path);
    }
    for (const auto& path : request.profile.rw) {
        bind(argv, launch.binds, true, path);
    }
    argv.insert(argv.end(), {"--chdir", request.workspace.string(), "--", program->string()});
    argv.insert(argv.end(), request.argv.begin() + 1, request.argv.end());
    return launch;
}

BwrapProbe::BwrapProbe(fs::path cache, bool may_write)
    : m_cache(std::move(cache)), m_may_write(may_write) {}

bool BwrapProbe::usable(std::string* why) {
    if (!m_usable) {
        m_usable = ask(true);
    }
    if (why != nullptr) {
        *why = m_why;
    }
    return *m_usable;
}

void BwrapProbe::require() {
    if (!usable()) {
        throw Error(Errc::unavailable, unusable_message(m_why));
    }
}

std::optional<std::string> BwrapProbe::recheck() {
    if (!m_from_cache) {
        return std::nullopt;
    }
    if (m_may_write) {
        std::error_code ec;
        fs::remove(m_cache, ec);
    }
    m_usable = ask(false);
    if (*m_usable) {
        return std::nullopt;
    }
    return unusable_message(m_why);
}

bool BwrapProbe::ask(bool trust_cache) {
    m_from_cache = false;
    m_why.clear();
    const auto bwrap = find_bwrap();
    if (!bwrap) {
        m_why = "bwrap is not installed";
        return false;
    }
    const std::string key = m_cache.empty() ? std::string() : probe_key(*bwrap);
    if (trust_cache && !key.empty() && read_small(m_cache, key.size() + 1) == key) {
        m_from_cache = true;
        return true;
    }
    util::ProcessOptions options;
    options.timeout = std::chrono::seconds(10);
    const auto result =
        util::run_process({bwrap->string(), "--unshare-user", "--unshare-pid", "--unshare-ipc",
                           "--unshare-uts", "--die-with-parent", "--new-session", "--ro-bind", "/",
                           "/", "--dev", "/dev", "--proc", "/proc", "--", "true"},
                          options);
    if (result.exit_code != 0) {
        m_why = result.err.empty() ? "bwrap exited " + std::to_string(result.exit_code)
                                   : result.err.substr(0, result.err.find('\n'));
        return false;
    }
    if (m_may_write && !key.empty()) {
        remember(m_cache, key);
    }
    return true;
}

BackendKind choose_backend(const BottleProfile& profile, BwrapProbe& bwrap) {
    if (profile.backend) {
        return *profile.backend;
    }
    return bwrap.usable() ? BackendKind::bwrap : BackendKind::process;
}

fs::path self_executable() {
    std::error_code ec;
    auto path = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
        throw Error(Errc::io, "cannot find the forgebot executable: " + ec.message());
    }
    return path;
}

} // namespace forgebot::bottle
