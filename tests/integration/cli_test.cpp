// The forgebot binary as a user or a calling program sees it: output streams, messages, exit codes.
#include "cmd/registry.hpp"
#include "fakes/process.hpp"
#include "fakes/temp_dir.hpp"
#include "store/database.hpp"
#include "store/forge_state.hpp"
#include "util/time.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/stat.h>

using forgebot::testing::run_forgebot;
using forgebot::testing::RunOptions;
using forgebot::testing::TempDir;

namespace {

/// FORGEBOT_HOME at `home`, and a configuration home inside it (no config.toml: the defaults,
/// kill switch on).
RunOptions with_home(const std::filesystem::path& home) {
    RunOptions options;
    options.env["FORGEBOT_HOME"] = home.string();
    options.env["XDG_CONFIG_HOME"] = (home / "config").string();
    return options;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool is_one_line(const std::string& text) {
    return !text.empty() && text.back() == '\n' && text.find('\n') == text.size() - 1;
}

} // namespace

TEST_CASE("forgebot --version prints the version on stdout", "[cli]") {
    const auto r = run_forgebot({"--version"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("forgebot ", 0) == 0);
    CHECK(r.err.empty());
}

TEST_CASE("forgebot --help lists every command in the command table", "[cli]") {
    const auto r = run_forgebot({"--help"});
    CHECK(r.exit_code == 0);
    for (const auto& command : forgebot::cmd::commands()) {
        CHECK_THAT(r.out, Catch::Contains(std::string(command.name)));
    }
    CHECK(r.err.empty());
}

TEST_CASE("An unknown command is a usage error with a suggestion", "[cli]") {
    const auto r = run_forgebot({"orchestarte", "status"});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "forgebot: error: unknown command 'orchestarte' (did you mean 'orchestrate'?)\n");
}

TEST_CASE("An unknown nested command names its parent in the suggestion", "[cli]") {
    const auto r = run_forgebot({"orchestrate", "stauts"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "forgebot: error: unknown command 'orchestrate stauts' (did you mean "
                   "'orchestrate status'?)\n");
}

TEST_CASE("An unknown command with nothing close points at --help", "[cli]") {
    const auto r = run_forgebot({"zzzzzzzz"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "forgebot: error: unknown command 'zzzzzzzz'; see 'forgebot --help'\n");
}

TEST_CASE("An unknown option exits 2, never a CLI11 code", "[cli]") {
    TempDir home;
    const auto r = run_forgebot({"orchestrate", "status", "--bogus"}, with_home(home.path()));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("forgebot: error: ", 0) == 0);
    CHECK_THAT(r.err, Catch::Contains("--bogus"));
    CHECK(is_one_line(r.err));
}

TEST_CASE("forgebot with no command is a usage error", "[cli]") {
    const auto r = run_forgebot({});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("forgebot: error: ", 0) == 0);
}

TEST_CASE("forgebot orchestrate with no subcommand asks for one", "[cli]") {
    const auto r = run_forgebot({"orchestrate"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "forgebot: error: 'forgebot orchestrate' needs a command; see 'forgebot "
                   "orchestrate --help'\n");
}

TEST_CASE("forgebot help COMMAND prints that command's help", "[cli]") {
    const auto r = run_forgebot({"help", "orchestrate", "status"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("forgebot orchestrate status"));
    CHECK_THAT(r.out, Catch::Contains("--json"));
    const auto same = run_forgebot({"orchestrate", "status", "--help"});
    CHECK(same.exit_code == 0);
    CHECK(same.out == r.out);
}

TEST_CASE("forgebot help with an unknown command is a usage error", "[cli]") {
    const auto r = run_forgebot({"help", "orchestrate", "bogus"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("unknown command 'orchestrate bogus'"));
}

TEST_CASE("orchestrate status --json prints [] on a fresh home and creates it private",
          "[cli][store]") {
    TempDir tmp;
    const auto home = tmp.path() / "nested" / "home";
    const auto r = run_forgebot({"orchestrate", "status", "--json"}, with_home(home));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "[]\n");
    CHECK(r.err.empty());
    struct stat st {};
    REQUIRE(::stat(home.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(std::filesystem::exists(home / "forgebot.db"));
}

TEST_CASE("orchestrate status says so on stderr when nothing is tracked", "[cli][store]") {
    TempDir home;
    const auto r = run_forgebot({"orchestrate", "status"}, with_home(home.path()));
    CHECK(r.exit_code == 0);
    // The kill switch ships on, and status says so first.
    CHECK_THAT(r.out, Catch::StartsWith("kill switch: on (nothing is dispatched; set "
                                        "kill_switch = false in "));
    CHECK(r.err == "forgebot: no tracked issues\n");

    std::filesystem::create_directories(home.path() / "config" / "forgebot");
    std::ofstream(home.path() / "config" / "forgebot" / "config.toml") << "kill_switch = false\n";
    const auto armed = run_forgebot({"orchestrate", "status"}, with_home(home.path()));
    CHECK(armed.out.empty());
    const auto json = run_forgebot({"orchestrate", "status", "--json"}, with_home(home.path()));
    CHECK(json.out == "[]\n");
}

TEST_CASE("orchestrate status shows tracked issues as a table and as JSON", "[cli][store]") {
    TempDir home;
    {
        forgebot::store::Database db(home.path() / "forgebot.db");
        forgebot::store::ForgeStateStore states(db);
        forgebot::store::ForgeState s;
        s.owner = "acme";
        s.repo = "api";
        s.issue_number = 17;
        s.slug = "claude-ab3de";
        s.agent_name = "claude";
        s.bottle_names = {"default"};
        s.backend_name = "bwrap";
        s.status = forgebot::store::RunStatus::frozen;
        s.pr_number = 42;
        s.last_checkin_at = forgebot::util::parse_utc("2026-11-21T09:30:00Z");
        s.issue_url = "https://git.example.com/acme/api/issues/17";
        s.pr_url = "https://git.example.com/acme/api/pulls/42";
        states.upsert(s);
        s.owner = "acme";
        s.repo = "web";
        s.issue_number = 3;
        s.slug = "codex-zz234";
        s.agent_name = "codex";
        s.status = forgebot::store::RunStatus::running;
        s.pr_number.reset();
        s.last_checkin_at.reset();
        s.issue_url = "https://git.example.com/acme/web/issues/3";
        s.pr_url.clear();
        states.upsert(s);
    }

    const auto table = run_forgebot({"orchestrate", "status"}, with_home(home.path()));
    CHECK(table.exit_code == 0);
    CHECK_THAT(table.out, Catch::StartsWith("kill switch: on"));
    CHECK_THAT(table.out, Catch::Contains("\nISSUE"));
    CHECK_THAT(table.out, Catch::Contains("acme/api#17"));
    CHECK_THAT(table.out, Catch::Contains("frozen"));
    CHECK_THAT(table.out, Catch::Contains("#42"));
    CHECK_THAT(table.out, Catch::Contains("https://git.example.com/acme/api/pulls/42"));
    CHECK_THAT(table.out, Catch::Contains("https://git.example.com/acme/web/issues/3"));

    const auto json = run_forgebot({"orchestrate", "status", "--json"}, with_home(home.path()));
    CHECK(json.exit_code == 0);
    const auto runs = nlohmann::json::parse(json.out);
    REQUIRE(runs.size() == 2);
    CHECK(runs[0]["issue"] == 17);
    CHECK(runs[0]["pr"] == 42);
    CHECK(runs[0]["status"] == "frozen");
    CHECK(runs[0]["last_checkin_at"] == "2026-11-21T09:30:00Z");
    CHECK(runs[1]["repo"] == "web");
    CHECK(runs[1]["pr"].is_null());
    CHECK(runs[1]["pr_url"].is_null());
    CHECK(runs[1]["slug"] == "codex-zz234");
}

TEST_CASE("orchestrate status refuses a file that is not a forgebot database and keeps it",
          "[cli][store]") {
    TempDir home;
    const auto db = home.path() / "forgebot.db";
    {
        std::ofstream out(db, std::ios::binary);
        out << "this is not a database, but somebody's notes\n";
    }
    const std::string before = read_file(db);
    const auto r = run_forgebot({"orchestrate", "status", "--json"}, with_home(home.path()));
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(is_one_line(r.err));
    CHECK_THAT(r.err, Catch::StartsWith("forgebot: error: "));
    CHECK_THAT(r.err, Catch::Contains(db.string()));
    CHECK(read_file(db) == before);
}

TEST_CASE("orchestrate status names an unusable FORGEBOT_HOME", "[cli][store]") {
    TempDir tmp;
    const auto blocker = tmp.path() / "file";
    std::ofstream(blocker) << "x";
    const auto r = run_forgebot({"orchestrate", "status"}, with_home(blocker / "home"));
    CHECK(r.exit_code == 1);
    CHECK(is_one_line(r.err));
    CHECK_THAT(r.err, Catch::Contains((blocker).string()));
}
