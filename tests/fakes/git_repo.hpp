// Running git in tests as a person would by hand, whatever the machine's git configuration says,
// and reading and writing the files of a repository.
#pragma once

#include "fakes/process.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace forgebot::testing {

/// The environment of a test's own git: the machine's configuration ignored, a fixed author,
/// and no GIT_* variable of the test runner leaking in.
inline RunOptions test_git_options() {
    RunOptions options;
    options.env = {{"GIT_CONFIG_NOSYSTEM", "1"},    {"GIT_CONFIG_GLOBAL", "/dev/null"},
                   {"GIT_TERMINAL_PROMPT", "0"},    {"GIT_AUTHOR_NAME", "t"},
                   {"GIT_AUTHOR_EMAIL", "t@t"},     {"GIT_COMMITTER_NAME", "t"},
                   {"GIT_COMMITTER_EMAIL", "t@t"},  {"GIT_DIR", std::nullopt},
                   {"GIT_WORK_TREE", std::nullopt}, {"GIT_INDEX_FILE", std::nullopt},
                   {"GIT_ASKPASS", std::nullopt},   {"SSH_ASKPASS", std::nullopt}};
    options.timeout = std::chrono::seconds{20};
    return options;
}

/// `git -C DIR ARGS...` as a test would run it by hand.
inline RunResult run_test_git(const std::filesystem::path& dir,
                              const std::vector<std::string>& args) {
    std::vector<std::string> argv{"git", "-c", "init.defaultBranch=main", "-C", dir.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, test_git_options());
}

/// run_test_git that must succeed; returns its stdout without trailing newlines and spaces.
inline std::string git_ok(const std::filesystem::path& dir, const std::vector<std::string>& args) {
    const auto result = run_test_git(dir, args);
    INFO("git " << args.front() << ": " << result.err);
    REQUIRE(result.exit_code == 0);
    std::string out = result.out;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
        out.pop_back();
    }
    return out;
}

/// `git ARGS...` (give `-C DIR` in ARGS) that must succeed; the first line of its stdout.
inline std::string git_line(const std::vector<std::string>& args) {
    const auto out = git_ok(std::filesystem::current_path(), args);
    return out.substr(0, out.find('\n'));
}

inline void write_file(const std::filesystem::path& path, const std::string& text,
                       bool executable = false) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    if (executable) {
        std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add);
    }
}

/// The whole content of `path` ("" when missing).
inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Appends `message` to notes.txt in the work tree at `dir`, commits it (hooks skipped) and
/// returns the new HEAD.
inline std::string commit(const std::filesystem::path& dir, const std::string& message) {
    std::ofstream(dir / "notes.txt", std::ios::app) << message << '\n';
    git_ok(dir, {"add", "notes.txt"});
    git_ok(dir, {"commit", "--quiet", "--no-verify", "-m", message});
    return git_ok(dir, {"rev-parse", "HEAD"});
}

/// Every regular file below `dir` whose contents hold `needle`.
inline std::vector<std::filesystem::path> files_containing(const std::filesystem::path& dir,
                                                           std::string_view needle) {
    std::vector<std::filesystem::path> found;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && read_file(it->path()).find(needle) != std::string::npos) {
            found.push_back(it->path());
        }
    }
    return found;
}

} // namespace forgebot::testing
