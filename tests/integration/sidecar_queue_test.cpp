// signal_done through the real sidecar: whole events in the Maildir queue, even when the
// sidecar is killed mid-write.
#include "integration/sidecar_fixture.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

using namespace forgebot::testing;
using nlohmann::json;

namespace {

std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

TEST_CASE("signal_done delivers one whole JSON event into new/", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const std::string summary = "Fixed the crash.\nTests added; \"quoted\" \xe2\x9c\x93";
    const json reply = f.sidecar.call("signal_done", {{"status", "failure"}, {"summary", summary}});
    REQUIRE(reply.contains("result"));
    CHECK(reply["result"]["ok"] == true);
    const std::string id = reply["result"]["event_id"];

    const auto queued = files_in(f.sidecar.queue_dir() / "new");
    REQUIRE(queued.size() == 1);
    CHECK(queued[0].filename().string() == id);
    CHECK(std::filesystem::is_empty(f.sidecar.queue_dir() / "tmp"));
    CHECK(std::filesystem::is_directory(f.sidecar.queue_dir() / "cur"));

    const std::string text = read_text(queued[0]);
    CHECK(text.back() == '\n');
    CHECK(text.find('\n') == text.size() - 1); // one line
    const json event = json::parse(text);
    CHECK(event.size() == 10);
    CHECK(event["event_id"] == id);
    CHECK(event["type"] == "done");
    CHECK(event["identity"] == "claude-ab3de");
    CHECK(event["owner"] == "o");
    CHECK(event["repo"] == "r");
    CHECK(event["issue"] == 17);
    CHECK(event["pr"] == 42);
    CHECK(event["status"] == "failure");
    CHECK(event["summary"] == summary);
    CHECK(std::regex_match(event["at"].get<std::string>(),
                           std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
}

TEST_CASE("signal_done without a PR queues pr as null", "[sidecar]") {
    SidecarFixture f([](SidecarSettings& s) { s.prs.clear(); });
    f.sidecar.start();
    const json reply = f.sidecar.call("signal_done", {{"status", "success"}, {"summary", "s"}});
    REQUIRE(reply.contains("result"));
    const auto queued = files_in(f.sidecar.queue_dir() / "new");
    REQUIRE(queued.size() == 1);
    CHECK(json::parse(read_text(queued[0]))["pr"].is_null());
}

TEST_CASE("A second signal_done queues a second event, sorting after the first", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const json first = f.sidecar.call("signal_done", {{"status", "success"}, {"summary", "1"}});
    const json second =
        f.sidecar.call("signal_done", {{"status", "needs_human"}, {"summary", "2"}});
    REQUIRE(first.contains("result"));
    REQUIRE(second.contains("result"));
    CHECK(first["result"]["event_id"] != second["result"]["event_id"]);

    const auto queued = files_in(f.sidecar.queue_dir() / "new");
    REQUIRE(queued.size() == 2);
    CHECK(queued[0].filename().string() == first["result"]["event_id"]);
    CHECK(queued[1].filename().string() == second["result"]["event_id"]);
    CHECK(json::parse(read_text(queued[0]))["status"] == "success");
    CHECK(json::parse(read_text(queued[1]))["status"] == "needs_human");
}

TEST_CASE("signal_done with an invalid status is -32602 and queues nothing", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    for (const json& status : {json("done"), json("SUCCESS"), json(""), json(1), json(nullptr)}) {
        INFO(status.dump());
        const json reply = f.sidecar.call("signal_done", {{"status", status}, {"summary", "x"}});
        CHECK(reply["error"]["code"] == -32602);
    }
    CHECK(f.sidecar.call("signal_done", {{"summary", "x"}})["error"]["code"] == -32602);
    CHECK(std::filesystem::is_empty(f.sidecar.queue_dir() / "new"));
    CHECK(std::filesystem::is_empty(f.sidecar.queue_dir() / "tmp"));
    const auto lines = f.sidecar.audit_lines();
    REQUIRE(lines.size() == 6);
    for (const auto& line : lines) {
        CHECK(line["method"] == "signal_done");
        CHECK(line["outcome"] == "denied");
    }
}

TEST_CASE("Killing the sidecar with SIGKILL while clients signal done never leaves a partial "
          "event in new/",
          "[sidecar]") {
    SidecarFixture f;
    std::mt19937 rng(Catch::rngSeed());
    std::mutex mutex;
    std::vector<std::string> acknowledged;
    constexpr int k_rounds = 20;
    constexpr int k_clients = 4;

    for (int round = 0; round < k_rounds; ++round) {
        f.sidecar.start();
        std::atomic<bool> stop{false};
        std::vector<std::thread> clients;
        for (int c = 0; c < k_clients; ++c) {
            clients.emplace_back([&, c] {
                const std::string summary(static_cast<std::size_t>(200 + 97 * c),
                                          static_cast<char>('a' + c));
                while (!stop) {
                    try {
                        const json reply =
                            rpc_call(f.sidecar.socket(),
                                     rpc_request("signal_done",
                                                 {{"status", "success"}, {"summary", summary}}));
                        const std::lock_guard lock(mutex);
                        acknowledged.push_back(reply.at("result").at("event_id"));
                    } catch (const std::exception&) {
                        return; // the sidecar is gone
                    }
                }
            });
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 60)(rng)));
        f.sidecar.kill();
        stop = true;
        for (auto& t : clients) {
            t.join();
        }
    }

    const auto queued = files_in(f.sidecar.queue_dir() / "new");
    INFO(queued.size() << " events queued, " << acknowledged.size() << " acknowledged");
    REQUIRE_FALSE(acknowledged.empty());
    std::set<std::string> names;
    for (const auto& file : queued) {
        INFO(file.string());
        const std::string text = read_text(file);
        json event;
        REQUIRE_NOTHROW(event = json::parse(text));
        CHECK(event.is_object());
        CHECK(event["type"] == "done");
        CHECK(event["event_id"] == file.filename().string());
        CHECK(event["summary"].get<std::string>().size() >= 200);
        names.insert(file.filename().string());
    }
    // Every acknowledged event was delivered.
    for (const auto& id : acknowledged) {
        CHECK(names.count(id) == 1);
    }
}
