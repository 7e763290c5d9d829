// The bubblewrap probe as users meet it: a bwrap that cannot create namespaces is refused before
// anything is made, a positive answer is remembered in FORGEBOT_HOME until bwrap changes, and a
// remembered answer that stopped holding is reported. A fake bwrap first on PATH runs the agent
// unsandboxed, so these run where bubblewrap cannot.
#include "integration/bottle_fixture.hpp"

#include <chrono>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace forgebot::testing;
namespace fs = std::filesystem;

namespace {

/// What the fake bwrap says when it refuses, as a bwrap without user namespaces does.
constexpr const char* k_refusal = "bwrap: setting up uid map: Permission denied";

/// A headless start with --backend bwrap.
const std::vector<std::string> k_start{"start", "claude",   "--headless", "--backend",
                                       "bwrap", "--prompt", "x"};

/// What forgebot says when bwrap refuses.
std::string refusal_error() {
    return std::string("forgebot: error: the bwrap backend cannot run here: ") + k_refusal +
           "; use --backend process\n";
}

/// A `bwrap` that logs each call, refuses while the file `refuse` exists, and else runs the
/// command after `--` in the `--chdir` directory, without a sandbox.
struct FakeBwrap {
    explicit FakeBwrap(const BottleFixture& f)
        : dir(f.root.path() / "fake-bwrap"), log(dir / "calls.log"), refuse(dir / "refuse"),
          cache(f.home / "bwrap-probe") {
        write_file(dir / "bwrap",
                   "#!/bin/sh\n"
                   "echo \"$*\" >> '" +
                       log.string() +
                       "'\n"
                       "if [ -e '" +
                       refuse.string() + "' ]; then echo '" + k_refusal +
                       "' >&2; exit 1; fi\n"
                       "dir=.\n"
                       "while [ $# -gt 0 ]; do\n"
                       "    case \"$1\" in\n"
                       "    --chdir) dir=$2; shift 2 ;;\n"
                       "    --) shift; cd \"$dir\" && exec \"$@\" ;;\n"
                       "    --ro-bind|--bind|--ro-bind-try|--symlink) shift 3 ;;\n"
                       "    --dev|--proc|--tmpfs|--hostname) shift 2 ;;\n"
                       "    *) shift ;;\n"
                       "    esac\n"
                       "done\n"
                       "exit 1\n",
                   true);
    }

    /// forgebot in `f`'s world with this bwrap first on PATH.
    RunResult forgebot(const BottleFixture& f, const std::vector<std::string>& args) const {
        auto options = f.options();
        options.env["PATH"] = dir.string() + ":" + path_with_fakes();
        return run_forgebot(args, options);
    }

    /// How many calls were probes (a sandbox running `true`) and how many were made in all.
    std::pair<int, int> calls() const {
        std::istringstream lines(read_file(log));
        int probes = 0;
        int all = 0;
        for (std::string line; std::getline(lines, line); ++all) {
            probes += line.ends_with(" -- true") ? 1 : 0;
        }
        return {probes, all};
    }

    fs::path dir;
    fs::path log;
    fs::path refuse;
    fs::path cache;
};

} // namespace

TEST_CASE("start refuses a bwrap that cannot create namespaces before anything is made",
          "[bottle][bwrap][probe]") {
    BottleFixture f;
    FakeBwrap bwrap(f);
    write_file(bwrap.refuse, "");

    SECTION("with --backend bwrap") {
        for (int run = 1; run <= 2; ++run) {
            const auto r = bwrap.forgebot(f, k_start);
            INFO(r.err);
            CHECK(r.exit_code == 3);
            CHECK(r.err == refusal_error());
            // A refusal is never remembered: each start asks again.
            CHECK(bwrap.calls() == std::pair{run, run});
        }
        CHECK(f.forgebot({"list", "-q"}).out.empty());
        CHECK_FALSE(fs::exists(bwrap.cache));
    }
    SECTION("choosing the backend itself") {
        const auto r = bwrap.forgebot(f, {"start", "claude", "--headless", "--prompt", "x"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.find(std::string("forgebot: bubblewrap cannot sandbox here (") + k_refusal +
                         "); using the process backend") != std::string::npos);
        CHECK(f.show(ended_identity(r.err))["workspace_kind"] == "worktree");
        CHECK_FALSE(fs::exists(bwrap.cache));
    }
}

TEST_CASE("a bwrap that works is probed once and remembered until it changes",
          "[bottle][bwrap][probe]") {
    BottleFixture f;
    FakeBwrap bwrap(f);

    const auto first = bwrap.forgebot(f, k_start);
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(bwrap.calls() == std::pair{1, 2});
    CHECK(fs::exists(bwrap.cache));
    CHECK((fs::status(bwrap.cache).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));

    const auto second = bwrap.forgebot(f, k_start);
    INFO(second.err);
    REQUIRE(second.exit_code == 0);
    CHECK(bwrap.calls() == std::pair{1, 3});

    const auto chosen = bwrap.forgebot(f, {"start", "claude", "--headless", "--prompt", "x"});
    INFO(chosen.err);
    REQUIRE(chosen.exit_code == 0);
    CHECK(chosen.err.find("forgebot: using the bwrap backend") != std::string::npos);
    CHECK(bwrap.calls() == std::pair{1, 4});

    const auto resumed =
        bwrap.forgebot(f, {"resume", ended_identity(first.err), "--headless", "--prompt", "again"});
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK(bwrap.calls() == std::pair{1, 5});

    SECTION("a new bwrap binary is probed again") {
        fs::last_write_time(bwrap.dir / "bwrap",
                            fs::last_write_time(bwrap.dir / "bwrap") + std::chrono::hours(1));

        const auto again = bwrap.forgebot(f, k_start);
        INFO(again.err);
        REQUIRE(again.exit_code == 0);
        CHECK(bwrap.calls() == std::pair{2, 7});
    }
    SECTION("a dry run probes but writes nothing") {
        fs::remove(bwrap.cache);

        const auto dry = bwrap.forgebot(f, {"start", "claude", "--headless", "--backend", "bwrap",
                                            "--dry-run", "--prompt", "x"});
        INFO(dry.err);
        REQUIRE(dry.exit_code == 0);
        CHECK(bwrap.calls() == std::pair{2, 6});
        CHECK_FALSE(fs::exists(bwrap.cache));
    }
}

TEST_CASE("a remembered bwrap probe that stopped holding is reported and forgotten",
          "[bottle][bwrap][probe]") {
    BottleFixture f;
    FakeBwrap bwrap(f);
    REQUIRE(bwrap.forgebot(f, k_start).exit_code == 0);
    REQUIRE(fs::exists(bwrap.cache));
    write_file(bwrap.refuse, "");

    const auto failed = bwrap.forgebot(f, k_start);
    INFO(failed.err);
    CHECK(failed.exit_code == 1);
    CHECK(failed.err.find(refusal_error()) != std::string::npos);
    CHECK(failed.err.find(" ended (exit 1,") != std::string::npos);
    CHECK_FALSE(fs::exists(bwrap.cache));

    const auto refused = bwrap.forgebot(f, k_start);
    INFO(refused.err);
    CHECK(refused.exit_code == 3);
    CHECK(refused.err == refusal_error());
}
