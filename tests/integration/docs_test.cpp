// Man pages and shell completions match the command table.
#include "cmd/registry.hpp"
#include "fakes/process.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

using forgebot::testing::run_program;

namespace {

const std::filesystem::path k_source = FORGEBOT_SOURCE_DIR;

std::string complete(const std::string& line) {
    // Drives the bash completion function the way readline would for `line` + TAB.
    const std::string script = "source /usr/share/bash-completion/bash_completion\n"
                               "source '" +
                               (k_source / "completions/forgebot.bash").string() +
                               "'\n"
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
    CHECK(complete("forgebot orchestrate ") == "status\n");
    CHECK_THAT(complete("forgebot orchestrate status --"), Catch::Contains("--json"));
}

TEST_CASE("man pages render without warnings", "[docs]") {
    for (const char* page : {"man/forgebot.1", "man/forgebot-orchestrate.1",
                             "man/forgebot-sidecar.1", "man/forgebot-call.1"}) {
        forgebot::testing::RunOptions options;
        options.env["MANWIDTH"] = "80";
        options.env["LC_ALL"] = "C.UTF-8";
        const auto r =
            run_program({"man", "--warnings", "-l", (k_source / page).string()}, options);
        INFO(page);
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

TEST_CASE("bash completion offers sidecar options and call methods", "[docs]") {
    CHECK_THAT(complete("forgebot sidecar --tok"),
               Catch::Contains("--token-fd") && Catch::Contains("--token-file"));
    CHECK(complete("forgebot sidecar --forge forg") == "forgejo\n");
    CHECK_THAT(complete("forgebot call "),
               Catch::Contains("signal_done") && Catch::Contains("read_issue"));
    CHECK_THAT(complete("forgebot call post_comment "), Catch::Contains("number="));
}
