// forgebot_fake_forge: the test fakes' loopback Gitea (tests/fakes/fake_forge.hpp) as a process of
// its own, hosting one repository and its issues, for the orchestrator's done benchmark.
#include "fakes/fake_forge.hpp"
#include "util/process.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <pthread.h>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

constexpr const char* k_usage =
    "usage: forgebot_fake_forge --url-file FILE --git BARE_REPO --token TOKEN --issues N "
    "--label LABEL --member ORG:USER --user LOGIN\n"
    "Serves a fake Gitea for o/r on 127.0.0.1: the repository BARE_REPO (created with one commit\n"
    "on main when missing) over smart HTTP, issues 1..N labelled LABEL, USER a member of ORG,\n"
    "comments by LOGIN. Writes the API base URL to FILE once ready; runs until SIGTERM or "
    "SIGINT.\n";

struct Options {
    std::filesystem::path url_file;
    std::filesystem::path git;
    std::string token;
    int issues = 0;
    std::string label;
    std::string member; ///< ORG:USER
    std::string user;
};

[[noreturn]] void usage() {
    std::fputs(k_usage, stderr);
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc) {
            usage();
        }
        const std::string value = argv[++i];
        if (arg == "--url-file") {
            o.url_file = value;
        } else if (arg == "--git") {
            o.git = value;
        } else if (arg == "--token") {
            o.token = value;
        } else if (arg == "--issues") {
            o.issues = std::atoi(value.c_str());
        } else if (arg == "--label") {
            o.label = value;
        } else if (arg == "--member") {
            o.member = value;
        } else if (arg == "--user") {
            o.user = value;
        } else {
            usage();
        }
    }
    if (o.url_file.empty() || o.git.empty() || o.issues < 0 ||
        o.member.find(':') == std::string::npos) {
        usage();
    }
    return o;
}

/// Gives the bare repository `bare`, which serve_git made empty, one commit on main.
void seed(const std::filesystem::path& bare) {
    forgebot::util::ProcessOptions options;
    options.env = {{"GIT_CONFIG_NOSYSTEM", "1"}, {"GIT_CONFIG_GLOBAL", "/dev/null"}};
    options.stdin_data = "commit refs/heads/main\n"
                         "committer bench <bench@example.com> 0 +0000\n"
                         "data 5\ninit\n"
                         "M 100644 inline README\n"
                         "data 6\nhello\n\n";
    const auto r = forgebot::util::run_process(
        {"git", "--git-dir=" + bare.string(), "fast-import", "--quiet"}, options);
    if (r.exit_code != 0) {
        throw std::runtime_error("git fast-import failed: " + r.err);
    }
}

} // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse_options(argc, argv);
        // Rationale: the signals are blocked before the server's threads start, so that they
        // all inherit the mask and sigwait below receives them.
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGINT);
        pthread_sigmask(SIG_BLOCK, &stop, nullptr);

        const bool fresh = !std::filesystem::exists(o.git);
        forgebot::testing::FakeForge forge(forgebot::testing::FakeForgeFlavor::gitea);
        forge.set_token(o.token);
        forge.set_user(o.user);
        const auto colon = o.member.find(':');
        forge.add_org_member(o.member.substr(0, colon), o.member.substr(colon + 1));
        forge.serve_git(o.git);
        if (fresh) {
            seed(o.git);
        }
        for (int number = 1; number <= o.issues; ++number) {
            forgebot::testing::FakeIssue issue;
            issue.number = number;
            issue.title = "Bench issue " + std::to_string(number);
            issue.body = "Signal done at once.";
            issue.labels = {o.label};
            forge.put_issue(issue);
        }
        const auto partial = o.url_file.string() + ".partial";
        std::ofstream(partial) << forge.base_url() << '\n';
        std::filesystem::rename(partial, o.url_file);

        int signal = 0;
        sigwait(&stop, &signal);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "forgebot_fake_forge: error: %s\n", e.what());
        return 1;
    }
}
