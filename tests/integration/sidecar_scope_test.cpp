// The sidecar's write scope as a property: over many generated numbers, only the assigned issue
// and its PRs are ever written; every other write is refused, audited and kept from the forge.
#include "integration/sidecar_fixture.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <limits>
#include <random>

using namespace forgebot::testing;
using nlohmann::json;

namespace {

/// What the sidecar must do with a write naming some number.
enum class Expect { write, out_of_scope, malformed };

struct Case {
    std::string method;
    std::string number; ///< the JSON text of the `number` param; empty: no `number` at all
    Expect expect;
};

/// The cases: edge values written out, and random integers of every size.
std::vector<Case> generate_cases(std::uint32_t seed) {
    const std::vector<std::pair<std::string, Expect>> fixed{
        {"17", Expect::write},
        {"42", Expect::write},
        {"1", Expect::out_of_scope},
        {"5", Expect::out_of_scope},
        {"16", Expect::out_of_scope},
        {"18", Expect::out_of_scope},
        {"41", Expect::out_of_scope},
        {"43", Expect::out_of_scope},
        {"60", Expect::out_of_scope},
        {"170", Expect::out_of_scope},
        {"4294967313", Expect::out_of_scope},          // 2^32 + 17
        {"9007199254740993", Expect::out_of_scope},    // 2^53 + 1
        {"9223372036854775807", Expect::out_of_scope}, // int64 max
        {"0", Expect::malformed},
        {"-0", Expect::malformed},
        {"-1", Expect::malformed},
        {"-17", Expect::malformed},
        {"-42", Expect::malformed},
        {"-9223372036854775808", Expect::malformed}, // int64 min
        {"9223372036854775808", Expect::malformed},  // 2^63
        {"9223372036854775825", Expect::malformed},  // 2^63 + 17: 17 modulo 2^63
        {"18446744073709551633", Expect::malformed}, // 2^64 + 17: 17 modulo 2^64
        {"18446744073709551615", Expect::malformed}, // uint64 max
        {"36893488147419103232", Expect::malformed}, // 2^65
        {"1e30", Expect::malformed},
        {"17.0", Expect::malformed},
        {"17.5", Expect::malformed},
        {"42.0", Expect::malformed},
        {"1.7e1", Expect::malformed},
        {"170e-1", Expect::malformed},
        {"4.2E1", Expect::malformed},
        {"-17.0", Expect::malformed},
        {"\"17\"", Expect::malformed},
        {"\"42\"", Expect::malformed},
        {"\" 17\"", Expect::malformed},
        {"\"#17\"", Expect::malformed},
        {"\"\"", Expect::malformed},
        {"true", Expect::malformed},
        {"false", Expect::malformed},
        {"null", Expect::malformed},
        {"[17]", Expect::malformed},
        {"{\"number\":17}", Expect::malformed},
        {"", Expect::malformed},
    };
    std::vector<std::string> numbers;
    std::vector<Expect> expects;
    for (const auto& [text, expect] : fixed) {
        numbers.push_back(text);
        expects.push_back(expect);
    }
    std::mt19937_64 rng(seed);
    const auto classify = [](std::int64_t n) {
        if (n <= 0) {
            return Expect::malformed;
        }
        return n == 17 || n == 42 ? Expect::write : Expect::out_of_scope;
    };
    for (int i = 0; i < 120; ++i) {
        std::int64_t n = 0;
        switch (i % 4) {
        case 0:
            n = std::uniform_int_distribution<std::int64_t>(-50, 100)(rng);
            break;
        case 1:
            n = std::uniform_int_distribution<std::int64_t>(-100'000, 100'000)(rng);
            break;
        case 2:
            n = static_cast<std::int64_t>(rng() >> (rng() % 63));
            break;
        default:
            n = static_cast<std::int64_t>(rng());
            break;
        }
        numbers.push_back(std::to_string(n));
        expects.push_back(classify(n));
        // The same number as a string and as a float is never an integer.
        if (i % 8 == 0) {
            numbers.push_back("\"" + std::to_string(n) + "\"");
            expects.push_back(Expect::malformed);
            numbers.push_back(std::to_string(n) + ".0");
            expects.push_back(Expect::malformed);
        }
    }
    std::vector<Case> cases;
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        for (const std::string method : {"post_comment", "update_description"}) {
            cases.push_back({method, numbers[i], expects[i]});
        }
    }
    std::shuffle(cases.begin(), cases.end(), rng);
    return cases;
}

std::string request_text(const Case& c, int id) {
    std::string params = "{";
    if (!c.number.empty()) {
        params += "\"number\":" + c.number + ",";
    }
    params += "\"body\":\"property " + std::to_string(id) + "\"}";
    return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + c.method +
           R"(","params":)" + params + "}";
}

bool is_write(const RecordedRequest& request) {
    return request.method != "GET";
}

} // namespace

TEST_CASE("Every write outside the issue and its PRs is refused, audited as denied and never "
          "reaches the forge",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const auto seed = static_cast<std::uint32_t>(Catch::rngSeed());
    const auto cases = generate_cases(seed);
    INFO("seed " << seed << ", " << cases.size() << " cases");

    UnixHttpClient client(f.sidecar.socket());
    std::size_t audit_read = 0; // bytes of the audit log already checked
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        const int id = static_cast<int>(i);
        const std::string text = request_text(c, id);
        INFO(text);
        const HttpReply reply = client.request("POST", "/rpc", text);
        REQUIRE(reply.status == 200);
        const json answer = reply.json();
        CHECK(answer["id"] == id);

        // Exactly one new audit line, for this call.
        const std::string log = read_text(f.sidecar.audit_log());
        const std::string added = log.substr(audit_read);
        audit_read = log.size();
        REQUIRE(std::count(added.begin(), added.end(), '\n') == 1);
        const json line = json::parse(added);
        CHECK(line["method"] == c.method);

        // What reached the forge for this call: writes only to #17 or #42.
        std::size_t writes = 0;
        for (const auto& request : f.forge.requests()) {
            if (is_write(request)) {
                ++writes;
                CHECK_THAT(request.path, Catch::Equals("/repos/o/r/issues/17/comments") ||
                                             Catch::Equals("/repos/o/r/issues/42/comments") ||
                                             Catch::Equals("/repos/o/r/issues/17") ||
                                             Catch::Equals("/repos/o/r/issues/42"));
            }
        }
        f.forge.clear_requests();

        switch (c.expect) {
        case Expect::write:
            CHECK(answer["result"] == json{{"ok", true}});
            CHECK(line["outcome"] == "ok");
            CHECK(line["target"] == json::parse(c.number));
            CHECK(writes == 1);
            break;
        case Expect::out_of_scope:
            CHECK(answer["error"]["code"] == -32001);
            CHECK(answer["error"]["data"]["writable"] == json{17, 42});
            CHECK(line["outcome"] == "denied");
            CHECK(line["target"] == json::parse(c.number));
            CHECK_THAT(line["summary"].get<std::string>(), Catch::EndsWith(": out of scope"));
            CHECK(writes == 0);
            break;
        case Expect::malformed:
            CHECK(answer["error"]["code"] == -32602);
            CHECK(line["outcome"] == "denied");
            CHECK(line["target"].is_null());
            CHECK(writes == 0);
            break;
        }
    }
}

TEST_CASE("A batch of out-of-scope writes is refused element by element", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    json batch = json::array();
    for (int n : {5, 60, 43, 17, 0, 99999}) {
        batch.push_back(rpc_request("post_comment", {{"number", n}, {"body", "b"}}, n));
    }
    const json answers = rpc_call(f.sidecar.socket(), batch);
    REQUIRE(answers.size() == 6);
    for (const auto& answer : answers) {
        const int n = answer["id"];
        if (n == 17) {
            CHECK(answer["result"]["ok"] == true);
        } else {
            CHECK(answer["error"]["code"] == (n == 0 ? -32602 : -32001));
        }
    }
    CHECK(f.forge_writes() == 1);
    CHECK(f.forge.comments(17).back().body == "b");
}
