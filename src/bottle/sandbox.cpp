// Building the process and bubblewrap command lines an agent runs with.
#include "bottle/sandbox.hpp"

#include "util/child.hpp"
#include "util/error.hpp"
#include "util/process.hpp"

#include <algorithm>
#include <cassert>
#include <mutex>

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

bool bwrap_usable(std::string* why) {
    static std::once_flag once;
    static bool usable = false;
    static std::string reason;
    std::call_once(once, [] {
        const auto bwrap = find_bwrap();
        if (!bwrap) {
            reason = "bwrap is not installed";
            return;
        }
        util::ProcessOptions options;
        options.timeout = std::chrono::seconds(10);
        const auto result =
            util::run_process({bwrap->string(), "--unshare-user", "--unshare-pid", "--unshare-ipc",
                               "--unshare-uts", "--die-with-parent", "--new-session", "--ro-bind",
                               "/", "/", "--dev", "/dev", "--proc", "/proc", "--", "true"},
                              options);
        usable = result.exit_code == 0;
        if (!usable) {
            reason = result.err.empty() ? "bwrap exited " + std::to_string(result.exit_code)
                                        : result.err.substr(0, result.err.find('\n'));
        }
    });
    if (why != nullptr) {
        *why = reason;
    }
    return usable;
}

void require_bwrap() {
    std::string why;
    if (!bwrap_usable(&why)) {
        throw Error(Errc::unavailable,
                    "the bwrap backend cannot run here: " + why + "; use --backend process");
    }
}

BackendKind choose_backend(const BottleProfile& profile) {
    if (profile.backend) {
        return *profile.backend;
    }
    return bwrap_usable() ? BackendKind::bwrap : BackendKind::process;
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
