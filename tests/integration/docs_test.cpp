// Man pages and shell completions match the command table.
#include "cmd/registry.hpp"
#include "fakes/process.hpp"
#include "fakes/temp_dir.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

using forgebot::testing::run_program;

namespace {

const std::filesystem::path k_source = FORGEBOT_SOURCE_DIR;

/// Drives the bash completion function the way readline would for `line` + TAB, after running
/// `prelude` (shell code, e.g. a `forgebot` function standing in for the binary).
std::string complete(const std::string& line, const std::string& prelude = "") {
    const std::string script = "source /usr/share/bash-completion/bash_completion\n"
                               "source '" +
                               (k_source / "completions/forgebot.bash").string() + "'\n" + prelude +
                               "\n"
                               "COMP_LINE='" +
                               line +
                               "'; COMP_POINT=${#COMP_LINE}\n"
                               "read -ra COMP_WORDS <<< \"$COMP_LINE\"\n"
                               "[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')\n"
                               "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                               "_forgebot\n"
                               "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    const auto r = run_program({"bash", "-c", script});
    REQUIRE(r.exit_code == 0);
    return r.out;
}

} // namespace

TEST_CASE("bash completion offers every subcommand after forgebot", "[docs]") {
    const std::string offered = complete("forgebot ");
    std::istringstream lines(offered);
    std::vector<std::string> words;
    for (std::string w; std::getline(lines, w);) {
        words.push_back(w);
    }
    std::vector<std::string> expected;
    for (const auto& command : forgebot::cmd::commands()) {
        expected.emplace_back(command.name);
    }
    std::sort(words.begin(), words.end());
    std::sort(expected.begin(), expected.end());
    CHECK(words == expected);
}

TEST_CASE("bash completion offers orchestrate's subcommands and options", "[docs]") {
    CHECK(complete("forgebot orch") == "orchestrate\n");
    CHECK(complete("forgebot orchestrate ") == "start\nresume\nstatus\nserve\n");
    CHECK_THAT(complete("forgebot orchestrate status --"), Catch::Contains("--json"));
}

TEST_CASE("man pages render without warnings", "[docs]") {
    std::vector<std::filesystem::path> pages;
    for (const auto& entry : std::filesystem::directory_iterator(k_source / "man")) {
        if (entry.path().extension() == ".1") {
            pages.push_back(entry.path());
        }
    }
    REQUIRE(pages.size() >= 4);
    for (const auto& page : pages) {
        forgebot::testing::RunOptions options;
        options.env["MANWIDTH"] = "80";
        options.env["LC_ALL"] = "C.UTF-8";
        const auto r = run_program({"man", "--warnings", "-l", page.string()}, options);
        INFO(page.string());
        CHECK(r.exit_code == 0);
        CHECK(r.err.empty());
        CHECK_THAT(r.out, Catch::Contains("EXIT STATUS") || Catch::Contains("SEE ALSO"));
    }
}

TEST_CASE("every command in the table has a man page section", "[docs]") {
    forgebot::testing::RunOptions options;
    options.env["MANWIDTH"] = "200";
    const auto r = run_program({"man", "-l", (k_source / "man/forgebot.1").string()}, options);
    for (const auto& command : forgebot::cmd::commands()) {
        CHECK_THAT(r.out, Catch::Contains(std::string(command.name)));
    }
}

TEST_CASE("every command but help has its own man page", "[docs]") {
    for (const auto& command : forgebot::cmd::commands()) {
        const std::string name(command.name);
        if (name == "help") {
            continue;
        }
        INFO(name);
        CHECK(std::filesystem::exists(k_source / "man" / ("forgebot-" + name + ".1")));
    }
}

TEST_CASE("bash completion offers bottle identities from forgebot list -q", "[docs]") {
    // A shell function stands in for the binary, so no bottle has to be made.
    const std::string fake = "forgebot() { [[ \"$*\" == 'list -q' ]] && "
                             "printf '%s\\n' claude-ab3de codex-zz234; }";
    for (const char* command : {"resume", "show", "logs", "freeze", "destroy"}) {
        INFO(command);
        CHECK(complete(std::string("forgebot ") + command + " ", fake) ==
              "claude-ab3de\ncodex-zz234\n");
    }
    CHECK(complete("forgebot logs co", fake) == "codex-zz234\n");
    CHECK_THAT(complete("forgebot logs claude-ab3de -", fake), Catch::Contains("--follow"));
}

TEST_CASE("bash completion offers agents, profiles and backends for start", "[docs]") {
    forgebot::testing::TempDir config;
    std::filesystem::create_directories(config.path() / "forgebot/agents");
    std::filesystem::create_directories(config.path() / "forgebot/bottles");
    std::ofstream(config.path() / "forgebot/agents/reviewer.toml") << "provider = \"claude\"\n";
    std::ofstream(config.path() / "forgebot/bottles/offline.toml") << "network = \"off\"\n";
    const std::string prelude = "export XDG_CONFIG_HOME='" + config.path().string() + "'";
    CHECK(complete("forgebot start ", prelude) == "claude\ncodex\nreviewer\n");
    CHECK(complete("forgebot start claude --bottle ", prelude) == "default\noffline\n");
    CHECK(complete("forgebot start claude --backend ", prelude) == "process\nbwrap\n");
    CHECK_THAT(complete("forgebot start claude --", prelude), Catch::Contains("--headless") &&
                                                                  Catch::Contains("--dry-run") &&
                                                                  Catch::Contains("--forge"));
}

TEST_CASE("zsh and fish completions name every command", "[docs]") {
    std::ifstream zsh_file(k_source / "completions/_forgebot");
    std::ifstream fish_file(k_source / "completions/forgebot.fish");
    const std::string zsh{std::istreambuf_iterator<char>(zsh_file), {}};
    const std::string fish{std::istreambuf_iterator<char>(fish_file), {}};
    for (const auto& command : forgebot::cmd::commands()) {
        const std::string name(command.name);
        INFO(name);
        CHECK_THAT(zsh, Catch::Contains("'" + name + ":"));
        CHECK_THAT(fish, Catch::Contains("-a " + name + " "));
    }
}

TEST_CASE("bash completion offers sidecar options and call methods", "[docs]") {
    CHECK_THAT(complete("forgebot sidecar --tok"),
               Catch::Contains("--token-fd") && Catch::Contains("--token-file"));
    CHECK(complete("forgebot sidecar --forge forg") == "forgejo\n");
    CHECK_THAT(complete("forgebot call "),
               Catch::Contains("signal_done") && Catch::Contains("read_issue"));
    CHECK_THAT(complete("forgebot call post_comment "), Catch::Contains("number="));
}
