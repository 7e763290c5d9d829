// Tests of the orchestrator's config.toml: defaults when absent, every key, the file:line:key
// messages a bad file gets, and finding a forge by name.
#include "fakes/scoped_env.hpp"
#include "fakes/temp_dir.hpp"
#include "orchestrator/config.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace std::chrono_literals;
using forgebot::Errc;
using forgebot::Error;
using forgebot::forge::ForgeKind;
using forgebot::orchestrator::Config;
using forgebot::orchestrator::default_config_path;
using forgebot::orchestrator::find_forge;
using forgebot::orchestrator::load_config;
using forgebot::orchestrator::parse_config;
using forgebot::orchestrator::repo_allowed;
using forgebot::testing::ScopedEnv;
using forgebot::testing::TempDir;

namespace {

const std::filesystem::path k_file = "/x/config.toml";

/// The message of the Error{Errc::invalid_input} that parsing `toml` as /x/config.toml throws.
std::string config_error(const std::string& toml) {
    try {
        parse_config(toml, k_file);
    } catch (const Error& e) {
        CHECK(e.code() == Errc::invalid_input);
        return e.what();
    }
    FAIL("the configuration parsed without error");
    return {};
}

void write_file(const std::filesystem::path& file, const std::string& text) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

const std::string k_forge = "[[forges]]\n"
                            "name = \"home\"\n"
                            "kind = \"forgejo\"\n"
                            "api_url = \"https://git.example.org/api/v1\"\n";

} // namespace

TEST_CASE("A missing default config file yields the defaults with the kill switch on",
          "[orchestrator][config]") {
    TempDir dir;
    ScopedEnv xdg("XDG_CONFIG_HOME", dir.path().string());
    CHECK(default_config_path() == dir.path() / "forgebot" / "config.toml");
    const Config config = load_config();
    CHECK(config.from_defaults());
    CHECK_FALSE(config.file.has_value());
    CHECK(config.kill_switch);
    CHECK(config.org == "forgebot");
    CHECK(config.allowlist.empty());
    CHECK(config.max_concurrent == 2);
    CHECK(config.watchdog_timeout == 30min);
    CHECK(config.listen == "127.0.0.1:8765");
    CHECK(config.forges.empty());
}

TEST_CASE("An explicit config file must exist", "[orchestrator][config]") {
    TempDir dir;
    const auto file = dir.path() / "nope.toml";
    try {
        load_config(file);
        FAIL("expected not_found");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::not_found);
        CHECK(std::string(e.what()) == "no configuration file at " + file.string());
    }
}

TEST_CASE("A full config file sets every key", "[orchestrator][config]") {
    TempDir dir;
    ScopedEnv xdg("XDG_CONFIG_HOME", dir.path().string());
    const auto file = default_config_path();
    write_file(file, "org = \"bots\"\n"
                     "allowlist = [\"ann/widgets\", \"Org.Name/repo_1\"]\n"
                     "kill_switch = false\n"
                     "max_concurrent = 4\n"
                     "watchdog_timeout = \"1h30m\"\n"
                     "listen = \"[::1]:9000\"\n"
                     "\n" +
                         k_forge +
                         "token_file = \"secrets/home.token\"\n"
                         "webhook_secret_file = \"/etc/forgebot/hook.secret\"\n"
                         "\n"
                         "[[forges]]\n"
                         "name = \"gh\"\n"
                         "kind = \"GitHub\"\n"
                         "api_url = \"https://api.github.com/\"\n");
    const Config config = load_config();
    CHECK_FALSE(config.from_defaults());
    CHECK(config.file == file);
    CHECK(config.org == "bots");
    CHECK(config.allowlist == std::vector<std::string>{"ann/widgets", "Org.Name/repo_1"});
    CHECK_FALSE(config.kill_switch);
    CHECK(config.max_concurrent == 4);
    CHECK(config.watchdog_timeout == 90min);
    CHECK(config.listen == "[::1]:9000");
    REQUIRE(config.forges.size() == 2);
    const auto& home = config.forges[0];
    CHECK(home.name == "home");
    CHECK(home.kind == ForgeKind::forgejo);
    CHECK(home.api_url == "https://git.example.org/api/v1");
    CHECK(home.token_file == file.parent_path() / "secrets" / "home.token");
    CHECK(home.webhook_secret_file == std::filesystem::path("/etc/forgebot/hook.secret"));
    const auto& gh = config.forges[1];
    CHECK(gh.kind == ForgeKind::github);
    CHECK(gh.api_url == "https://api.github.com");
    CHECK_FALSE(gh.token_file.has_value());
    CHECK_FALSE(gh.webhook_secret_file.has_value());

    CHECK(&find_forge(config, "gh") == &gh);
    CHECK(repo_allowed(config, "ann", "widgets"));
    CHECK(repo_allowed(config, "org.name", "REPO_1"));
    CHECK_FALSE(repo_allowed(config, "ann", "gadgets"));
    CHECK_FALSE(repo_allowed(config, "bob", "widgets"));
}

TEST_CASE("An empty config file is the defaults, read from that file", "[orchestrator][config]") {
    const Config config = parse_config("", k_file);
    CHECK_FALSE(config.from_defaults());
    CHECK(config.file == k_file);
    CHECK(config.kill_switch);
    CHECK(config.forges.empty());
}

TEST_CASE("A relative token_file resolves against the config file's directory",
          "[orchestrator][config]") {
    const Config config = parse_config(k_forge + "token_file = \"home.token\"\n"
                                                 "webhook_secret_file = \"../hooks/home.secret\"\n",
                                       "/etc/forgebot/config.toml");
    REQUIRE(config.forges.size() == 1);
    CHECK(config.forges[0].token_file == std::filesystem::path("/etc/forgebot/home.token"));
    CHECK(config.forges[0].webhook_secret_file ==
          std::filesystem::path("/etc/forgebot/../hooks/home.secret"));
}

TEST_CASE("A bad config value is reported with file, line and key", "[orchestrator][config]") {
    SECTION("a value of the wrong type") {
        CHECK(config_error("org = \"bots\"\n\nkill_switch = \"yes\"\n") ==
              "/x/config.toml:3: key 'kill_switch': expected true or false, got \"yes\"");
        CHECK(config_error("\n\n\nmax_concurrent = -1\n") ==
              "/x/config.toml:4: key 'max_concurrent': expected a positive integer, got -1");
        CHECK(config_error("max_concurrent = 1.5\n") ==
              "/x/config.toml:1: key 'max_concurrent': expected a positive integer, got a float");
        CHECK(config_error("allowlist = \"ann/widgets\"\n") ==
              "/x/config.toml:1: key 'allowlist': expected an array of strings, got "
              "\"ann/widgets\"");
    }
    SECTION("an unknown key, top-level or in a forge") {
        CHECK(config_error("kill_swich = false\n") ==
              "/x/config.toml:1: unknown key 'kill_swich' (did you mean 'kill_switch'?)");
        CHECK(config_error(k_forge + "tokn_file = \"t\"\n") ==
              "/x/config.toml:5: unknown key 'tokn_file' in [[forges]] (did you mean "
              "'token_file'?)");
    }
    SECTION("a duplicate forge name") {
        CHECK(config_error(k_forge + "\n" + k_forge) ==
              "/x/config.toml:7: key 'forges.name': duplicate forge name \"home\": each "
              "[[forges]] table needs its own name");
    }
    SECTION("a bad or missing forge name") {
        CHECK(config_error("[[forges]]\nname = \"Home\"\nkind = \"gitea\"\napi_url = "
                           "\"https://x\"\n") ==
              "/x/config.toml:2: key 'forges.name': expected a name of a-z, 0-9, '-' and '_', "
              "starting with a letter or digit, got \"Home\"");
        CHECK(config_error("\n[[forges]]\nkind = \"gitea\"\napi_url = \"https://x\"\n") ==
              "/x/config.toml:2: key 'forges.name': missing in [[forges]]: set it to a short "
              "name such as \"codeberg\"");
    }
    SECTION("a bad forge kind") {
        CHECK(config_error("[[forges]]\nname = \"a\"\nkind = \"gittea\"\n") ==
              "/x/config.toml:3: key 'forges.kind': expected one of \"gitea\", \"forgejo\", "
              "\"github\", got \"gittea\" (did you mean \"gitea\"?)");
        CHECK(config_error("[[forges]]\nname = \"a\"\nkind = 3\n") ==
              "/x/config.toml:3: key 'forges.kind': expected one of \"gitea\", \"forgejo\", "
              "\"github\", got 3");
    }
    SECTION("a bad api_url") {
        CHECK(config_error("[[forges]]\nname = \"a\"\nkind = \"gitea\"\n"
                           "api_url = \"ftp://git.example.org\"\n") ==
              "/x/config.toml:4: key 'forges.api_url': expected an http(s) URL such as "
              "\"https://codeberg.org/api/v1\", got \"ftp://git.example.org\"");
        CHECK(
            config_error("[[forges]]\nname = \"a\"\nkind = \"gitea\"\napi_url = \"https://\"\n") ==
            "/x/config.toml:4: key 'forges.api_url': expected an http(s) URL such as "
            "\"https://codeberg.org/api/v1\", got \"https://\"");
        const std::string with_password =
            config_error("[[forges]]\nname = \"a\"\nkind = \"gitea\"\n"
                         "api_url = \"https://bot:hunter2@git.example.org\"\n");
        CHECK_THAT(with_password, Catch::StartsWith("/x/config.toml:4: key 'forges.api_url': "
                                                    "must not hold credentials"));
        CHECK(with_password.find("hunter2") == std::string::npos);
    }
    SECTION("a bad allowlist entry") {
        CHECK(config_error("allowlist = [\n  \"ann/widgets\",\n  \"widgets\",\n]\n") ==
              "/x/config.toml:3: key 'allowlist': expected repositories as \"owner/name\", got "
              "\"widgets\"");
        CHECK_THAT(config_error("allowlist = [\"ann/wid/gets\"]\n"),
                   Catch::StartsWith("/x/config.toml:1: key 'allowlist'"));
        CHECK_THAT(config_error("allowlist = [\"ann/..\"]\n"),
                   Catch::StartsWith("/x/config.toml:1: key 'allowlist'"));
    }
    SECTION("a bad duration") {
        CHECK(config_error("watchdog_timeout = \"soon\"\n") ==
              "/x/config.toml:1: key 'watchdog_timeout': expected a duration like \"30m\", got "
              "\"soon\"");
        CHECK_THAT(config_error("watchdog_timeout = \"0s\"\n"),
                   Catch::StartsWith("/x/config.toml:1: key 'watchdog_timeout'"));
    }
    SECTION("a bad listen address") {
        const std::string expected = "/x/config.toml:1: key 'listen': expected \"ADDR:PORT\" with "
                                     "a port from 1 to 65535, such as \"127.0.0.1:8765\", got ";
        CHECK(config_error("listen = \"127.0.0.1:70000\"\n") == expected + "\"127.0.0.1:70000\"");
        CHECK(config_error("listen = \"127.0.0.1:0\"\n") == expected + "\"127.0.0.1:0\"");
        CHECK(config_error("listen = \"8765\"\n") == expected + "\"8765\"");
        CHECK(config_error("listen = \"::1:8765\"\n") == expected + "\"::1:8765\"");
        CHECK(config_error("listen = \":8765\"\n") == expected + "\":8765\"");
        CHECK(config_error("listen = 8765\n") == expected + "8765");
    }
    SECTION("forges that are not [[forges]] tables") {
        CHECK(config_error("forges = [\"home\"]\n") ==
              "/x/config.toml:1: key 'forges': expected [[forges]] tables, got an array");
    }
    SECTION("invalid TOML") {
        CHECK_THAT(config_error("org = \n"), Catch::StartsWith("/x/config.toml:1:"));
    }
}

TEST_CASE("A malformed config file on disk names the file", "[orchestrator][config]") {
    TempDir dir;
    const auto file = dir.path() / "config.toml";
    write_file(file, "max_concurrent = 0\n");
    try {
        load_config(file);
        FAIL("expected invalid_input");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::invalid_input);
        CHECK(std::string(e.what()) ==
              file.string() + ":1: key 'max_concurrent': expected a positive integer, got 0");
    }
}

TEST_CASE("find_forge names the configured forges or says where to add one",
          "[orchestrator][config]") {
    SECTION("no such forge among several") {
        const Config config = parse_config(k_forge + "\n[[forges]]\nname = \"hub\"\nkind = "
                                                     "\"github\"\napi_url = \"https://x\"\n",
                                           k_file);
        try {
            find_forge(config, "hme");
            FAIL("expected not_found");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::not_found);
            CHECK(std::string(e.what()) == "no forge named 'hme' (did you mean 'home'?): "
                                           "/x/config.toml configures home, hub");
        }
    }
    SECTION("a file without forges") {
        const Config config = parse_config("kill_switch = false\n", k_file);
        try {
            find_forge(config, "home");
            FAIL("expected not_found");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::not_found);
            CHECK(std::string(e.what()) == "no forge named 'home': none are configured in "
                                           "/x/config.toml; add a [[forges]] table there");
        }
    }
    SECTION("no config file at all") {
        TempDir dir;
        ScopedEnv xdg("XDG_CONFIG_HOME", dir.path().string());
        try {
            find_forge(Config{}, "home");
            FAIL("expected not_found");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::not_found);
            CHECK(std::string(e.what()) == "no forge named 'home': there is no configuration "
                                           "file; create " +
                                               default_config_path().string() +
                                               " with a [[forges]] table");
        }
    }
}
