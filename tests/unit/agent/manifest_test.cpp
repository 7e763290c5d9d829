// Tests of agent manifests: the built-ins, user files overriding them, every key, and the
// messages a bad manifest gets.
#include "agent/manifest.hpp"
#include "fakes/temp_dir.hpp"
#include "unit/agent/agent_test_support.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using forgebot::Errc;
using forgebot::Error;
using forgebot::agent::AgentManifest;
using forgebot::agent::agents_dir;
using forgebot::agent::builtin_manifests;
using forgebot::agent::compose_prompt;
using forgebot::agent::is_valid_name;
using forgebot::agent::list_manifests;
using forgebot::agent::load_manifest;
using forgebot::agent::ProviderKind;
using forgebot::testing::ScopedEnv;
using forgebot::testing::TempDir;
using forgebot::testing::write_text;

namespace {

/// The message of the Error{Errc::invalid_input} that loading agent `name` with `toml` throws.
std::string manifest_error(const TempDir& dir, const std::string& name, const std::string& toml) {
    write_text(dir.path() / (name + ".toml"), toml);
    try {
        load_manifest(name, dir.path());
    } catch (const Error& e) {
        CHECK(e.code() == Errc::invalid_input);
        return e.what();
    }
    FAIL("the manifest loaded without error");
    return {};
}

/// `dir/NAME.toml` as messages print it.
std::string file_of(const TempDir& dir, const std::string& name) {
    return (dir.path() / (name + ".toml")).string();
}

} // namespace

TEST_CASE("the claude and codex built-ins exist with their providers and credentials", "[agent]") {
    TempDir dir;
    const AgentManifest claude = load_manifest("claude", dir.path());
    CHECK(claude.name == "claude");
    CHECK(claude.provider == ProviderKind::claude);
    CHECK_FALSE(claude.model.has_value());
    CHECK(claude.allowed_tools.empty());
    CHECK(claude.bottle == "default");
    CHECK_FALSE(claude.timeout.has_value());
    CHECK(claude.env == std::vector<std::string>{"ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"});
    CHECK_FALSE(claude.file.has_value());

    const AgentManifest codex = load_manifest("codex", dir.path());
    CHECK(codex.provider == ProviderKind::codex);
    CHECK(codex.env == std::vector<std::string>{"OPENAI_API_KEY", "CODEX_API_KEY"});
    CHECK(builtin_manifests().size() == 2);
}

TEST_CASE("a user manifest reads every key", "[agent]") {
    TempDir dir;
    write_text(dir.path() / "preambles" / "review.md", "You review code.\n");
    write_text(dir.path() / "reviewer.toml", R"toml(# a careful reviewer
provider = "claude"
model = "claude-sonnet-4-5"
args = ["--max-turns", "30"]
allowed_tools = ["Read", "Bash(git diff:*)"]
preamble = "file:preambles/review.md"
bottle = "locked-down"
timeout = "1h30m"
env = ["ANTHROPIC_API_KEY", "HTTPS_PROXY"]
)toml");
    const AgentManifest m = load_manifest("reviewer", dir.path());
    CHECK(m.name == "reviewer");
    CHECK(m.provider == ProviderKind::claude);
    CHECK(m.model == "claude-sonnet-4-5");
    CHECK(m.args == std::vector<std::string>{"--max-turns", "30"});
    CHECK(m.allowed_tools == std::vector<std::string>{"Read", "Bash(git diff:*)"});
    CHECK(m.preamble == "You review code.\n");
    CHECK(m.bottle == "locked-down");
    CHECK(m.timeout == 90min);
    CHECK(m.env == std::vector<std::string>{"ANTHROPIC_API_KEY", "HTTPS_PROXY"});
    CHECK(m.file == dir.path() / "reviewer.toml");
    CHECK(compose_prompt(m, "Review PR 7") == "You review code.\n\nReview PR 7");
}

TEST_CASE("a command manifest reads its argv templates and an integer timeout", "[agent]") {
    TempDir dir;
    write_text(dir.path() / "aider.toml", R"(provider = "command"
command = ["aider", "--yes", "--message", "{prompt}", "{workspace}"]
resume_command = ["aider", "--restore", "{session}", "--message={prompt}"]
preamble = "Be brief."
timeout = 600
)");
    const AgentManifest m = load_manifest("aider", dir.path());
    CHECK(m.provider == ProviderKind::command);
    CHECK(m.command ==
          std::vector<std::string>{"aider", "--yes", "--message", "{prompt}", "{workspace}"});
    CHECK(m.resume_command ==
          std::vector<std::string>{"aider", "--restore", "{session}", "--message={prompt}"});
    CHECK(m.preamble == "Be brief.");
    CHECK(m.timeout == 600s);
    CHECK(m.bottle == "default");
    CHECK(compose_prompt(m, "go") == "Be brief.\n\ngo");
}

TEST_CASE("a user manifest named like a built-in overrides it", "[agent]") {
    TempDir dir;
    write_text(dir.path() / "claude.toml", "provider = \"claude\"\nmodel = \"opus\"\n");
    const AgentManifest m = load_manifest("claude", dir.path());
    CHECK(m.model == "opus");
    CHECK(m.env.empty());
    CHECK(m.file == dir.path() / "claude.toml");
}

TEST_CASE("list_manifests shows the built-ins and user files, marking overrides", "[agent]") {
    TempDir dir;
    write_text(dir.path() / "codex.toml", "provider = \"codex\"\n");
    write_text(dir.path() / "mine.toml", "this is not even TOML");
    write_text(dir.path() / "Bad Name.toml", "provider = \"codex\"\n");
    write_text(dir.path() / "notes.txt", "ignored");

    const auto entries = list_manifests(dir.path());
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].name == "claude");
    CHECK_FALSE(entries[0].file.has_value());
    CHECK(entries[1].name == "codex");
    CHECK(entries[1].file == dir.path() / "codex.toml");
    CHECK(entries[1].overrides_builtin);
    CHECK(entries[2].name == "mine");
    CHECK_FALSE(entries[2].overrides_builtin);

    CHECK(list_manifests(dir.path() / "absent").size() == 2);
}

TEST_CASE("user manifests live under XDG_CONFIG_HOME, else ~/.config", "[agent]") {
    TempDir dir;
    SECTION("XDG_CONFIG_HOME") {
        ScopedEnv xdg("XDG_CONFIG_HOME", dir.path().string());
        CHECK(agents_dir() == dir.path() / "forgebot" / "agents");
        write_text(dir.path() / "forgebot" / "agents" / "helper.toml", "provider = \"codex\"\n");
        CHECK(load_manifest("helper").provider == ProviderKind::codex);
        CHECK(list_manifests().size() == 3);
    }
    SECTION("HOME when XDG_CONFIG_HOME is empty") {
        ScopedEnv xdg("XDG_CONFIG_HOME", "");
        ScopedEnv home("HOME", "/home/ann");
        CHECK(agents_dir() == "/home/ann/.config/forgebot/agents");
    }
    SECTION("neither set is an io error") {
        ScopedEnv xdg("XDG_CONFIG_HOME", std::nullopt);
        ScopedEnv home("HOME", std::nullopt);
        try {
            agents_dir();
            FAIL("agents_dir did not throw");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::io);
            CHECK_THAT(e.what(), Catch::Contains("XDG_CONFIG_HOME"));
        }
    }
}

TEST_CASE("an unknown agent is not_found and names what exists", "[agent]") {
    TempDir dir;
    try {
        load_manifest("claud", dir.path());
        FAIL("load_manifest did not throw");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::not_found);
        CHECK(std::string(e.what()) ==
              "no agent named 'claud' (did you mean 'claude'?): agents are claude, codex; add "
              "one as " +
                  file_of(dir, "claud"));
    }
}

TEST_CASE("an invalid agent name is refused before any file is read", "[agent]") {
    TempDir dir;
    for (const char* name : {"", "Claude", "-x", "_x", "../etc/passwd", "a b", "a.b"}) {
        INFO(name);
        CHECK_FALSE(is_valid_name(name));
        CHECK_THROWS_WITH(load_manifest(name, dir.path()), Catch::Contains("invalid agent name"));
    }
    CHECK(is_valid_name("a"));
    CHECK(is_valid_name("0day"));
    CHECK(is_valid_name("my-agent_2"));
}

TEST_CASE("a bad duration names the file, line and key", "[agent]") {
    TempDir dir;
    CHECK(manifest_error(dir, "foo",
                         "provider = \"claude\"\nmodel = \"opus\"\ntimeout = \"soon\"\n") ==
          file_of(dir, "foo") +
              ":3: key 'timeout': expected a duration like \"30m\", got \"soon\"");
    CHECK(manifest_error(dir, "foo", "provider = \"claude\"\ntimeout = 0\n") ==
          file_of(dir, "foo") + ":2: key 'timeout': expected a duration like \"30m\", got 0");
    CHECK(manifest_error(dir, "foo", "provider = \"claude\"\ntimeout = 1.5\n") ==
          file_of(dir, "foo") + ":2: key 'timeout': expected a duration like \"30m\", got a float");
}

TEST_CASE("an unknown key is an error with a suggestion", "[agent]") {
    TempDir dir;
    CHECK(manifest_error(dir, "foo", "provider = \"codex\"\n\ntimout = \"30m\"\n") ==
          file_of(dir, "foo") + ":3: unknown key 'timout' (did you mean 'timeout'?)");
    CHECK(manifest_error(dir, "foo", "provider = \"codex\"\n[extra]\nx = 1\n") ==
          file_of(dir, "foo") + ":2: unknown key 'extra'");
}

TEST_CASE("a bad provider is named with the choices", "[agent]") {
    TempDir dir;
    CHECK(manifest_error(dir, "foo", "model = \"x\"\nprovider = \"claud\"\n") ==
          file_of(dir, "foo") +
              ":2: key 'provider': expected one of \"claude\", \"codex\", \"command\", got "
              "\"claud\" (did you mean \"claude\"?)");
    CHECK(manifest_error(dir, "foo", "provider = 3\n") ==
          file_of(dir, "foo") +
              ":1: key 'provider': expected one of \"claude\", \"codex\", \"command\", got 3");
    CHECK(manifest_error(dir, "foo", "model = \"x\"\n") ==
          file_of(dir, "foo") + ": missing key 'provider': set it to claude, codex or command");
}

TEST_CASE("TOML syntax errors give the line and column", "[agent]") {
    TempDir dir;
    const auto message = manifest_error(dir, "foo", "provider = \"claude\"\nmodel = \n");
    CHECK_THAT(message, Catch::StartsWith(file_of(dir, "foo") + ":2:"));
    CHECK_THAT(message, Catch::Contains("invalid TOML"));
}

TEST_CASE("wrong value types name the key and what was found", "[agent]") {
    TempDir dir;
    const auto file = file_of(dir, "foo");
    CHECK(manifest_error(dir, "foo", "provider = \"claude\"\nargs = \"--verbose\"\n") ==
          file + ":2: key 'args': expected an array of strings, got \"--verbose\"");
    CHECK(manifest_error(dir, "foo",
                         "provider = \"claude\"\nallowed_tools = [\n  \"Read\",\n  4,\n]\n") ==
          file + ":4: key 'allowed_tools': expected an array of strings, got 4 in it");
    CHECK(manifest_error(dir, "foo", "provider = \"claude\"\nmodel = \"\"\n") ==
          file + ":2: key 'model': expected a non-empty string, got \"\"");
    CHECK(manifest_error(dir, "foo", "provider = \"claude\"\nbottle = \"My Bottle\"\n") ==
          file +
              ":2: key 'bottle': expected a bottle name (a-z, 0-9, '-', '_'), got \"My Bottle\"");
    CHECK(manifest_error(dir, "foo", "provider = \"claude\"\nenv = [\"HOME\", \"TOKEN=abc\"]\n") ==
          file + ":2: key 'env': expected names of environment variables, got \"TOKEN=abc\"");
    CHECK(manifest_error(dir, "foo", "provider = \"claude\"\npreamble = true\n") ==
          file + ":2: key 'preamble': expected text or \"file:PATH\", got true");
}

TEST_CASE("a missing preamble file is an error naming it", "[agent]") {
    TempDir dir;
    CHECK(manifest_error(dir, "foo", "provider = \"claude\"\npreamble = \"file:gone.md\"\n") ==
          file_of(dir, "foo") + ":2: key 'preamble': cannot read " +
              (dir.path() / "gone.md").string() + ": No such file or directory");
}

TEST_CASE("an absolute preamble path is read as it is", "[agent]") {
    TempDir dir;
    TempDir elsewhere;
    write_text(elsewhere.path() / "p.md", "Absolute.");
    write_text(dir.path() / "foo.toml", "provider = \"codex\"\npreamble = \"file:" +
                                            (elsewhere.path() / "p.md").string() + "\"\n");
    CHECK(load_manifest("foo", dir.path()).preamble == "Absolute.");
}

TEST_CASE("a command agent must put {prompt} in its command", "[agent]") {
    TempDir dir;
    const auto file = file_of(dir, "foo");
    CHECK(manifest_error(dir, "foo", "provider = \"command\"\n") ==
          file + ": missing key 'command': provider \"command\" needs an argv template such as "
                 "[\"my-agent\", \"--prompt\", \"{prompt}\"]");
    CHECK(
        manifest_error(dir, "foo", "provider = \"command\"\ncommand = [\"my-agent\", \"go\"]\n") ==
        file + ":2: key 'command': must contain {prompt} where the prompt goes");
    CHECK(manifest_error(dir, "foo", "provider = \"command\"\ncommand = []\n") ==
          file + ":2: key 'command': expected a program followed by its arguments");
    CHECK(manifest_error(dir, "foo",
                         "provider = \"command\"\ncommand = [\"a\", \"{prompt}\"]\n"
                         "resume_command = [\"a\", \"{session}\"]\n") ==
          file + ":3: key 'resume_command': must contain {prompt} where the prompt goes");
}

TEST_CASE("placeholder typos and a {session} at start are refused", "[agent]") {
    TempDir dir;
    const auto file = file_of(dir, "foo");
    CHECK(manifest_error(dir, "foo", "provider = \"command\"\ncommand = [\"a\", \"{promt}\"]\n") ==
          file + ":2: key 'command': unknown placeholder {promt}: use {prompt}, {session} or "
                 "{workspace}");
    CHECK(manifest_error(
              dir, "foo",
              "provider = \"command\"\ncommand = [\"a\", \"{session}\", \"{prompt}\"]\n") ==
          file + ":2: key 'command': {session} is only known when resuming: use it in "
                 "'resume_command'");
}

TEST_CASE("keys that do not apply to the provider are refused", "[agent]") {
    TempDir dir;
    const auto file = file_of(dir, "foo");
    CHECK(manifest_error(dir, "foo", "provider = \"claude\"\ncommand = [\"x\", \"{prompt}\"]\n") ==
          file + ":2: key 'command': only used by provider \"command\"");
    CHECK(manifest_error(
              dir, "foo",
              "provider = \"command\"\ncommand = [\"x\", \"{prompt}\"]\nmodel = \"m\"\n") ==
          file + ":3: key 'model': not used by provider \"command\": write the whole argv in "
                 "'command'");
}
