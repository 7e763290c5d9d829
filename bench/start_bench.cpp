// The start benchmark: `forgebot start --headless` with an agent that exits at once, timed
// against making the same workspace with git and running the same agent by hand, on a
// repository of many small files.
#include "start_bench.hpp"

#include "bench_support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <spawn.h>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace forgebot::bench {

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr double k_start_ratio_target = 1.5;
/// Files per directory of the benchmark's repository.
constexpr int k_files_per_dir = 40;

/// How one child run ended and how long it took, spawn to reap.
struct Timed {
    int status = 0; ///< the exit code, or 128 + the signal
    double ms = 0;
};

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// Runs `argv` (argv[0] looked up on PATH) in `cwd` with `env`, standard input from `in`,
/// standard output appended to `out` and standard error to `err`; waits for it.
Timed spawn_wait(const std::vector<std::string>& argv, const fs::path& cwd,
                 const std::vector<std::string>& env, const fs::path& out, const fs::path& err,
                 const fs::path& in = "/dev/null") {
    std::vector<char*> c_argv;
    for (const auto& a : argv) {
        c_argv.push_back(const_cast<char*>(a.c_str()));
    }
    c_argv.push_back(nullptr);
    std::vector<char*> c_env;
    for (const auto& e : env) {
        c_env.push_back(const_cast<char*>(e.c_str()));
    }
    c_env.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    const auto start = Clock::now();
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc == ENOENT) {
        return {127, 0};
    }
    if (rc != 0) {
        errno = rc;
        fail_errno("cannot start " + argv[0]);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fail_errno("waitpid");
        }
    }
    Timed timed;
    timed.ms = ms_since(start);
    timed.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return timed;
}

std::string join(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) {
        out += (out.empty() ? "" : " ") + a;
    }
    return out;
}

/// The last `count` lines of `text`.
std::string tail(const std::string& text, std::size_t count) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    std::string out;
    for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) {
        out += lines[i] + "\n";
    }
    return out;
}

/// The words of a command line printed by `forgebot start --dry-run`, which quotes with
/// single quotes and writes a quote inside them as '\''.
std::vector<std::string> shell_words(std::string_view line) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '\'') {
                quoted = false;
            } else {
                word.push_back(c);
            }
        } else if (c == '\'') {
            quoted = true;
            in_word = true;
        } else if (c == '\\' && i + 1 < line.size()) {
            word.push_back(line[++i]);
            in_word = true;
        } else if (c == ' ') {
            if (in_word) {
                words.push_back(std::move(word));
                word.clear();
            }
            in_word = false;
        } else {
            word.push_back(c);
            in_word = true;
        }
    }
    if (in_word) {
        words.push_back(std::move(word));
    }
    return words;
}

/// `text` with every `from` replaced by `to`.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

/// The median of `samples` (the mean of the middle two for an even count).
double median(std::vector<double> samples) {
    if (samples.empty()) {
        return 0;
    }
    std::sort(samples.begin(), samples.end());
    const std::size_t mid = samples.size() / 2;
    return samples.size() % 2 == 1 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
}

std::string range(const std::vector<double>& samples) {
    const auto [low, high] = std::minmax_element(samples.begin(), samples.end());
    return low == samples.end() ? "-" : fixed(*low, 0) + "-" + fixed(*high, 0);
}

/// What doing a start's work by hand took: making the workspace and running the agent.
struct ByHand {
    double git_ms = 0;
    double agent_ms = 0;
};

/// The figures of one backend: forgebot's starts and the same work by hand.
struct Series {
    std::vector<double> forgebot;
    std::vector<double> by_hand;
    std::vector<double> by_hand_git; ///< the git part of by_hand
    std::vector<double> by_hand_run; ///< the agent's part of by_hand

    void add(double forgebot_ms, const ByHand& hand) {
        forgebot.push_back(forgebot_ms);
        by_hand.push_back(hand.git_ms + hand.agent_ms);
        by_hand_git.push_back(hand.git_ms);
        by_hand_run.push_back(hand.agent_ms);
    }
};

/// One repository to start bottles in: its scratch directory, FORGEBOT_HOME, agent manifest,
/// and the environment the children get.
class Bench {
public:
    /// Prepares `dir` (but not yet the repository) for a repository of `files` files.
    Bench(const std::string& forgebot, const fs::path& dir, int files)
        : m_forgebot(fs::absolute(forgebot).string()), m_files(files), m_dir(dir),
          m_repo(m_dir / "repo"), m_home(m_dir / "home"), m_config(m_dir / "config"),
          m_by_hand(m_dir / "by-hand"), m_logs(m_dir / "logs") {
        for (const auto& path :
             {m_repo, m_home, m_config / "forgebot" / "agents", m_by_hand, m_logs}) {
            fs::create_directories(path);
        }
        // Rationale: the user's git and forgebot settings stay out, so both sides run git with
        // the same (empty) configuration.
        for (char** e = environ; *e != nullptr; ++e) {
            const std::string_view entry(*e);
            if (!entry.starts_with("FORGE_") && !entry.starts_with("FORGEBOT_") &&
                !entry.starts_with("GIT_") && !entry.starts_with("XDG_CONFIG_HOME=")) {
                m_env.emplace_back(entry);
            }
        }
        m_env.insert(m_env.end(),
                     {"FORGEBOT_HOME=" + m_home.string(), "XDG_CONFIG_HOME=" + m_config.string(),
                      "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"});
        std::ofstream(m_config / "forgebot" / "agents" / "noop.toml")
            << "# An agent that exits at once: what `forgebot start` costs without an agent.\n"
               "provider = \"command\"\n"
               "command = [\"true\", \"{prompt}\"]\n";
    }

    const fs::path& repo() const noexcept { return m_repo; }
    const fs::path& by_hand() const noexcept { return m_by_hand; }
    const std::string& forgebot() const noexcept { return m_forgebot; }

    /// Runs `argv` in `cwd`, its output appended to the log `name`; fails unless it exits 0.
    Timed must(const std::vector<std::string>& argv, const fs::path& cwd, const std::string& name,
               const fs::path& in = "/dev/null") const {
        const fs::path log = m_logs / (name + ".log");
        const Timed timed = spawn_wait(argv, cwd, m_env, log, log, in);
        if (timed.status != 0) {
            fail("`" + join(argv) + "` exited " + std::to_string(timed.status) + ":\n" +
                 tail(read_text(log), 20));
        }
        return timed;
    }

    /// Like must, with standard output into the file `out` instead of the log.
    Timed must_capture(const std::vector<std::string>& argv, const fs::path& cwd,
                       const std::string& name, const fs::path& out) const {
        const fs::path log = m_logs / (name + ".log");
        const Timed timed = spawn_wait(argv, cwd, m_env, out, log);
        if (timed.status != 0) {
            fail("`" + join(argv) + "` exited " + std::to_string(timed.status) + ":\n" +
                 tail(read_text(log), 20));
        }
        return timed;
    }

    /// A repository of `files` files of one line each, in directories of 40, in one
    /// commit, with its work tree checked out. Returns the commit.
    std::string make_repository() const {
        const fs::path stream_file = m_dir / "import.stream";
        {
            std::ofstream stream(stream_file, std::ios::binary);
            stream << "commit refs/heads/main\ncommitter bench <bench@example.com> 0 +0000\n"
                      "data 12\nbench files\n";
            char path[64];
            for (int i = 0; i < m_files; ++i) {
                std::snprintf(path, sizeof path, "d%03d/f%02d.txt", i / k_files_per_dir,
                              i % k_files_per_dir);
                const std::string body = "file " + std::to_string(i) + "\n";
                stream << "M 100644 inline " << path << "\ndata " << body.size() << "\n"
                       << body << "\n";
            }
        }
        must({"git", "init", "--quiet", "--initial-branch=main", "."}, m_repo, "setup");
        must({"git", "fast-import", "--quiet"}, m_repo, "setup", stream_file);
        must({"git", "reset", "--quiet", "--hard", "main"}, m_repo, "setup");
        fs::remove(stream_file);
        const fs::path head = m_dir / "head";
        must_capture({"git", "rev-parse", "HEAD"}, m_repo, "setup", head);
        const std::string commit = read_text(head);
        return commit.substr(0, commit.find('\n'));
    }

    /// The bottle identities in FORGEBOT_HOME.
    std::set<std::string> bottles() const {
        std::set<std::string> out;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(m_home / "bottles", ec)) {
            out.insert(entry.path().filename().string());
        }
        return out;
    }

    /// Queues `step` for clean_up.
    void later(std::function<void()> step) { m_later.push_back(std::move(step)); }

    /// Runs the steps queued with later, in order.
    ///
    /// Rationale: nothing is deleted while the runs are timed. On ext4 without a journal (this
    /// VM's disk), an inode deleted in the last 60 s (360 s while its inode table block is
    /// unwritten) is skipped when a file is created (`recently_deleted` in `find_inode_bit`,
    /// seen with perf); right after a workspace of 10,000 files was deleted, checking out the
    /// next took 1 to 4 s instead of 0.2 s.
    void clean_up() {
        for (auto& step : m_later) {
            step();
        }
        m_later.clear();
    }

    /// `forgebot start noop --headless --backend BACKEND --prompt x` in the repository, timed;
    /// `forgebot destroy` of the bottle it made is queued for clean_up.
    double forgebot_start(const std::string& backend) {
        const auto before = bottles();
        const double ms =
            must({m_forgebot, "start", "noop", "--headless", "--backend", backend, "--prompt", "x"},
                 m_repo, "forgebot-" + backend)
                .ms;
        std::vector<std::string> made;
        for (const auto& id : bottles()) {
            if (!before.contains(id)) {
                made.push_back(id);
            }
        }
        if (made.size() != 1) {
            fail("expected one new bottle in " + (m_home / "bottles").string() + ", found " +
                 std::to_string(made.size()));
        }
        later([this, id = made.front(), backend] {
            must({m_forgebot, "destroy", id}, m_repo, "forgebot-" + backend);
        });
        return ms;
    }

private:
    std::string m_forgebot; ///< absolute: the children run in other directories
    int m_files;
    fs::path m_dir;
    fs::path m_repo;
    fs::path m_home;
    fs::path m_config;
    fs::path m_by_hand;
    fs::path m_logs;
    std::vector<std::string> m_env;
    std::vector<std::function<void()>> m_later;
};

/// By hand, as the process backend: `git worktree add` of a new branch, then the agent in it.
ByHand process_by_hand(Bench& bench, int run) {
    const std::string branch = "by-hand-" + std::to_string(run);
    const fs::path tree = bench.by_hand() / ("worktree-" + std::to_string(run));
    const auto git =
        bench.must({"git", "worktree", "add", "--quiet", "-b", branch, tree.string(), "HEAD"},
                   bench.repo(), "by-hand-process");
    const auto agent = bench.must({"true", "x"}, tree, "by-hand-process");
    bench.later([&bench, tree, branch] {
        bench.must({"git", "worktree", "remove", "--force", tree.string()}, bench.repo(),
                   "by-hand-process");
        bench.must({"git", "branch", "--quiet", "-D", branch}, bench.repo(), "by-hand-process");
    });
    return {git.ms, agent.ms};
}

/// The sandbox `forgebot start --backend bwrap --dry-run` prints, and the bottle directory
/// whose paths it binds.
struct SandboxTemplate {
    std::vector<std::string> argv;
    std::string root;
};

SandboxTemplate sandbox_template(const Bench& bench, const fs::path& out) {
    bench.must_capture({bench.forgebot(), "start", "noop", "--headless", "--backend", "bwrap",
                        "--dry-run", "--prompt", "x"},
                       bench.repo(), "dry-run", out);
    SandboxTemplate sandbox;
    std::istringstream plan(read_text(out));
    for (std::string line; std::getline(plan, line);) {
        if (line.starts_with("command:")) {
            sandbox.argv = shell_words(std::string_view(line).substr(8));
        } else if (line.starts_with("workspace:")) {
            const auto path = line.substr(line.find_first_not_of(' ', 10));
            sandbox.root = fs::path(path.substr(0, path.find(" ("))).parent_path().string();
        }
    }
    if (sandbox.argv.empty() || sandbox.root.empty() ||
        sandbox.argv.front().find("bwrap") == std::string::npos) {
        fail("cannot read the bwrap command line from `forgebot start --dry-run`:\n" +
             read_text(out));
    }
    return sandbox;
}

/// By hand, as the bwrap backend: the git steps of its reference clone (a new repository that
/// borrows the host's objects, the branch, a checkout), then the agent in the sandbox forgebot
/// would build for it.
ByHand bwrap_by_hand(Bench& bench, const SandboxTemplate& sandbox, const fs::path& objects,
                     const std::string& commit, int run) {
    const std::string branch = "by-hand-" + std::to_string(run);
    const fs::path root = bench.by_hand() / ("bottle-" + std::to_string(run));
    const fs::path clone = root / "workspace";
    const auto start = Clock::now();
    fs::create_directories(clone);
    fs::create_directories(root / "home");
    bench.must({"git", "init", "--quiet", "--template=", "--initial-branch=" + branch, "."}, clone,
               "by-hand-bwrap");
    fs::create_directories(clone / ".git" / "objects" / "info");
    std::ofstream(clone / ".git" / "objects" / "info" / "alternates") << objects.string() << '\n';
    bench.must({"git", "update-ref", "refs/heads/" + branch, commit}, clone, "by-hand-bwrap");
    bench.must({"git", "reset", "--quiet", "--hard", commit}, clone, "by-hand-bwrap");
    const double git_ms = ms_since(start);
    std::vector<std::string> argv;
    for (const auto& arg : sandbox.argv) {
        argv.push_back(replace_all(arg, sandbox.root, root.string()));
    }
    const auto agent = bench.must(argv, clone, "by-hand-bwrap");
    bench.later([root] { fs::remove_all(root); });
    return {git_ms, agent.ms};
}

void print_series(const std::string& title, const std::string& git_step, const Series& s) {
    std::printf("%s\n", title.c_str());
    row("wall time, median (ms)", fixed(median(s.forgebot), 1), fixed(median(s.by_hand), 1),
        ratio(median(s.forgebot), median(s.by_hand)));
    std::vector<double> own;
    for (std::size_t i = 0; i < s.forgebot.size(); ++i) {
        own.push_back(s.forgebot[i] - s.by_hand[i]);
    }
    std::printf("  %-28s %12s\n", "forgebot's own (ms)", fixed(median(own), 1).c_str());
    std::printf("  by hand: %s %.1f ms, then the agent %.1f ms\n", git_step.c_str(),
                median(s.by_hand_git), median(s.by_hand_run));
    std::printf("  range over the runs: forgebot %s ms, by hand %s ms\n", range(s.forgebot).c_str(),
                range(s.by_hand).c_str());
}

/// What one repository measured.
struct Measured {
    int files = 0;
    double setup_s = 0; ///< making the repository
    Series process;
    Series bwrap; ///< empty when bwrap is skipped
};

/// Makes a repository of `files` files in `dir` and times `runs` starts of each kind in it,
/// after a warm-up round; the bwrap kinds only when `bwrap` is set.
Measured measure(const StartBenchOptions& options, const fs::path& dir, int files, bool bwrap) {
    Bench bench(options.forgebot, dir, files);
    Measured m;
    m.files = files;
    const auto setup_start = Clock::now();
    const std::string commit = bench.make_repository();
    m.setup_s = ms_since(setup_start) / 1000.0;
    std::optional<SandboxTemplate> sandbox;
    if (bwrap) {
        sandbox = sandbox_template(bench, dir / "dry-run.txt");
    }
    const fs::path objects = bench.repo() / ".git" / "objects";

    // Rationale: the kinds alternate within each round so that a change in the machine's load
    // falls on both sides alike; round 0 is a warm-up (the store is created, caches fill).
    Series warm_up;
    for (int run = 0; run <= options.runs; ++run) {
        const ByHand worktree = process_by_hand(bench, run);
        (run > 0 ? m.process : warm_up).add(bench.forgebot_start("process"), worktree);
        if (sandbox) {
            const ByHand clone = bwrap_by_hand(bench, *sandbox, objects, commit, run);
            (run > 0 ? m.bwrap : warm_up).add(bench.forgebot_start("bwrap"), clone);
        }
    }
    bench.clean_up();
    return m;
}

/// Why bubblewrap cannot sandbox here, or "" when it can: the same probe a user can type.
std::string bwrap_unusable(const fs::path& dir) {
    const fs::path log = dir / "bwrap-probe.log";
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        env.emplace_back(*e);
    }
    const Timed probe =
        spawn_wait({"bwrap", "--unshare-user", "--ro-bind", "/", "/", "true"}, dir, env, log, log);
    if (probe.status == 0) {
        return "";
    }
    const std::string text = read_text(log);
    const std::string first_line = text.substr(0, text.find('\n'));
    if (probe.status == 127 && first_line.empty()) {
        return "bwrap is not installed";
    }
    return "`bwrap --unshare-user --ro-bind / / true` exited " + std::to_string(probe.status) +
           (first_line.empty() ? "" : ": " + first_line);
}

} // namespace

bool run_start_bench(const StartBenchOptions& options) {
    std::fprintf(stderr,
                 "forgebot_bench: timing forgebot start in a repository of %d files and one of "
                 "1 file, %d runs of each kind\n",
                 options.files, options.runs + 1);
    fs::create_directories(options.dir);
    const std::string bwrap_why = bwrap_unusable(options.dir);
    const bool bwrap = bwrap_why.empty();
    // Rationale: the small repository first, so that it does not run while ext4 still avoids
    // the inodes of the large one's workspaces (see Bench::clean_up).
    const Measured small = measure(options, options.dir / "small", 1, bwrap);
    const Measured large = measure(options, options.dir / "large", options.files, bwrap);

    std::printf("forgebot start benchmark: %u CPUs (%s), median of %d runs after 1 warm-up\n",
                std::thread::hardware_concurrency(), cpu_model().c_str(), options.runs);
    std::printf("by hand: the same workspace made with git and the agent (`true x`) run in it, "
                "without forgebot\n");
    std::printf("repositories made with git fast-import: %d files in %.1f s, 1 file in %.1f s\n\n",
                large.files, large.setup_s, small.setup_s);
    std::printf("  %-28s %12s %12s %8s\n", "", "forgebot", "by hand", "ratio");
    for (const Measured* m : {&large, &small}) {
        const std::string files =
            m->files == 1 ? std::string("1 file")
                          : std::to_string(m->files) + " files in " +
                                std::to_string((m->files + k_files_per_dir - 1) / k_files_per_dir) +
                                " directories";
        print_series("start --headless, process backend (a worktree), " + files, "git worktree add",
                     m->process);
        if (bwrap) {
            print_series("start --headless, bwrap backend (a reference clone), " + files,
                         "git init + alternates + update-ref + reset --hard", m->bwrap);
        } else {
            std::printf("start --headless, bwrap backend, %s: skipped, bubblewrap cannot "
                        "sandbox here (%s)\n",
                        files.c_str(), bwrap_why.c_str());
        }
    }

    std::printf("\ntargets\n");
    auto target = [&](const std::string& backend, const Series& s) {
        const double f = median(s.forgebot);
        const double h = median(s.by_hand);
        const bool pass = f <= k_start_ratio_target * h;
        std::printf("  %s  start --headless, %s backend, %d files, within 1.5x by hand: %s ms vs "
                    "%s ms (%s)\n",
                    pass ? "PASS" : "FAIL", backend.c_str(), options.files, fixed(f, 1).c_str(),
                    fixed(h, 1).c_str(), ratio(f, h).c_str());
        return pass;
    };
    bool all = target("process", large.process);
    if (bwrap) {
        all = target("bwrap", large.bwrap) && all;
    } else {
        std::printf("  SKIP  start --headless, bwrap backend: %s\n", bwrap_why.c_str());
    }
    return all;
}

} // namespace forgebot::bench
