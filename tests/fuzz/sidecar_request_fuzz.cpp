// libFuzzer target for the sidecar's request handling: bytes → Beast HTTP request parser →
// routing → JSON-RPC → dispatch against a recording fake forge, checking what must always hold.
#include "fakes/recording_forge.hpp"
#include "forge/forge_error.hpp"
#include "forge/scoped_forge.hpp"
#include "sidecar/audit.hpp"
#include "sidecar/queue.hpp"
#include "sidecar/routes.hpp"
#include "sidecar/service.hpp"
#include "util/error.hpp"

#include <algorithm>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>

namespace {

namespace http = boost::beast::http;
using forgebot::Errc;
using forgebot::forge::ForgeError;

constexpr std::int64_t k_issue = 17;
constexpr std::int64_t k_pr = 42;
constexpr int k_max_requests = 4;        ///< pipelined requests taken from one input
constexpr unsigned k_clean_every = 1024; ///< inputs between clean-ups of the queue and log
constexpr std::size_t k_max_body = 1024 * 1024;
constexpr std::uint32_t k_max_header = 16 * 1024;

[[noreturn]] void violated(const char* what, const std::string& detail) {
    std::fprintf(stderr, "sidecar_request_fuzz: invariant violated: %s\n%s\n", what,
                 detail.c_str());
    std::abort();
}

/// A Forge that fails some numbers the way a real forge would, so error mapping is fuzzed too;
/// everything else goes to the recording fake.
class FlakyForge final : public forgebot::forge::Forge {
public:
    explicit FlakyForge(forgebot::testing::RecordingForge& inner)
        : Forge("owner", "repo"), m_inner(inner) {}

    forgebot::forge::Issue read_issue(std::int64_t n) override {
        fail_for(n);
        return m_inner.read_issue(n);
    }
    forgebot::forge::PullRequest read_pr(std::int64_t n) override {
        fail_for(n);
        return m_inner.read_pr(n);
    }
    std::vector<forgebot::forge::Comment> read_comments(std::int64_t n) override {
        fail_for(n);
        return m_inner.read_comments(n);
    }
    std::vector<forgebot::forge::PullRequest> list_pull_requests() override {
        return m_inner.list_pull_requests();
    }
    void post_comment(std::int64_t n, const std::string& body) override {
        fail_for(n);
        m_inner.post_comment(n, body);
    }
    void update_description(std::int64_t n, const std::string& body) override {
        fail_for(n);
        m_inner.update_description(n, body);
    }
    bool is_org_member(const std::string& org, const std::string& user) override {
        return m_inner.is_org_member(org, user);
    }
    std::string current_user() override { return m_inner.current_user(); }
    forgebot::forge::PullRequest create_pull_request(const std::string& head,
                                                     const std::string& base,
                                                     const std::string& title,
                                                     const std::string& body) override {
        if (base == "broken") {
            throw ForgeError(Errc::invalid_input, "gitea POST /pulls: 422", 422, "no such base");
        }
        return m_inner.create_pull_request(head, base, title, body);
    }
    void add_label(std::int64_t n, const std::string& name) override { m_inner.add_label(n, name); }
    void remove_label(std::int64_t n, const std::string& name) override {
        m_inner.remove_label(n, name);
    }
    std::string clone_url() override { return m_inner.clone_url(); }
    std::string default_branch() override { return m_inner.default_branch(); }

private:
    static void fail_for(std::int64_t n) {
        switch (n % 1000) {
        case 404:
            throw ForgeError(Errc::not_found, "gitea GET: 404 not found", 404, "not found");
        case 429:
            throw ForgeError(Errc::rate_limited, "gitea GET: 429", 429, "slow down",
                             std::chrono::seconds(7));
        case 500:
            throw ForgeError(Errc::server_error, "gitea GET: 500", 500, "boom");
        case 502:
            throw ForgeError(Errc::server_error, "gitea GET: 502", 502, "");
        case 503:
            throw ForgeError(Errc::unavailable, "cannot connect to the forge");
        case 999:
            throw forgebot::Error(Errc::io, "a local failure");
        default:
            break;
        }
    }

    forgebot::testing::RecordingForge& m_inner;
};

/// A pusher that succeeds, so push_branch's answer and audit are fuzzed without git.
class FakePusher final : public forgebot::sidecar::BranchPusher {
public:
    forgebot::sidecar::PushResult push() override {
        return {"forgebot/17-fuzz", "0123456789abcdef0123456789abcdef01234567"};
    }
};

/// What lives for the whole run: a temp dir with the queue and the audit log.
struct Fixture {
    Fixture() {
        char dir_template[] = "/tmp/forgebot-fuzz.XXXXXX";
        // Rationale: /dev/shm when there is one, so signal_done's fsyncs cost nothing.
        char shm_template[] = "/dev/shm/forgebot-fuzz.XXXXXX";
        const char* made = ::mkdtemp(shm_template);
        if (made == nullptr) {
            made = ::mkdtemp(dir_template);
        }
        if (made == nullptr) {
            std::perror("sidecar_request_fuzz: mkdtemp");
            std::abort();
        }
        dir = made;
        queue.emplace(dir / "queue");
        audit.emplace(dir / "audit.jsonl", std::nullopt);
    }

    ~Fixture() {
        audit.reset();
        queue.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }

    Fixture(const Fixture&) = delete;
    Fixture& operator=(const Fixture&) = delete;

    /// Keeps a long run from filling the disk: empties the queue and the audit log.
    void clean() {
        std::error_code ignored;
        for (const char* sub : {"new", "tmp"}) {
            for (const auto& entry :
                 std::filesystem::directory_iterator(dir / "queue" / sub, ignored)) {
                std::filesystem::remove(entry.path(), ignored);
            }
        }
        std::filesystem::resize_file(dir / "audit.jsonl", 0, ignored);
    }

    std::filesystem::path dir;
    std::optional<forgebot::sidecar::QueueWriter> queue;
    std::optional<forgebot::sidecar::AuditLog> audit;
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

/// Checks that a response is one the sidecar may send.
void check_response(const forgebot::util::HttpRequest& request,
                    const forgebot::util::HttpResponse& response) {
    const std::string context = request.method + " " + request.target + "\n" + request.body;
    switch (response.status) {
    case 200:
    case 204:
    case 404:
    case 405:
        break;
    default:
        violated("unexpected HTTP status", std::to_string(response.status) + "\n" + context);
    }
    if (response.status == 204) {
        if (!response.body.empty()) {
            violated("a 204 answer has a body", context);
        }
        return;
    }
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_discarded()) {
        violated("the answer is not JSON", response.body + "\n" + context);
    }
    if (response.status != 200 || request.target.rfind("/rpc", 0) != 0) {
        return;
    }
    auto check_one = [&](const nlohmann::json& one) {
        if (!one.is_object() || one.value("jsonrpc", "") != "2.0" || !one.contains("id") ||
            one.contains("result") == one.contains("error")) {
            violated("not a JSON-RPC 2.0 response", response.body + "\n" + context);
        }
        if (one.contains("error") &&
            (!one["error"].is_object() || !one["error"].contains("code") ||
             !one["error"]["code"].is_number_integer() || !one["error"].contains("message"))) {
            violated("a malformed error object", response.body + "\n" + context);
        }
    };
    if (body.is_array()) {
        if (body.empty()) {
            violated("an empty batch answer (should be 204)", context);
        }
        for (const auto& one : body) {
            check_one(one);
        }
    } else {
        check_one(body);
    }
}

/// Checks that no write reached the forge outside the writable set.
void check_scope(const forgebot::testing::RecordingForge& recorder,
                 const forgebot::forge::ScopedForge& scoped, const std::string& context) {
    const auto writable = scoped.writable();
    for (const auto& call : recorder.calls()) {
        for (const std::string_view write : {"post_comment ", "update_description "}) {
            if (call.rfind(write, 0) == 0) {
                const std::int64_t n = std::strtoll(call.c_str() + write.size(), nullptr, 10);
                if (std::find(writable.begin(), writable.end(), n) == writable.end()) {
                    violated("a write outside the scope reached the forge", call + "\n" + context);
                }
            }
        }
    }
}

/// Answers one parsed request both ways the server can (answer() and make_handler() with an
/// inline worker), each against a fresh forge, and checks both.
void serve(const forgebot::util::HttpRequest& request) {
    Fixture& f = fixture();
    const auto fixed_clock = [] {
        return std::chrono::sys_seconds(std::chrono::seconds(1));
    };
    const std::string context = request.method + " " + request.target + "\n" + request.body;

    std::optional<forgebot::util::HttpResponse> answers[2];
    for (int way = 0; way < 2; ++way) {
        forgebot::testing::RecordingForge recorder;
        FlakyForge flaky(recorder);
        forgebot::forge::ScopedForge scoped(flaky, k_issue);
        scoped.allow(k_pr);
        FakePusher pusher;
        forgebot::sidecar::RunScope scope{"fuzz-aaaaa", "owner", "repo", k_issue,
                                          std::string("forgebot/17-fuzz")};
        const forgebot::sidecar::Service service(scope, scoped, *f.queue, *f.audit, &pusher,
                                                 fixed_clock);
        if (way == 0) {
            answers[0] = forgebot::sidecar::answer(service, request);
        } else {
            const auto handler = forgebot::sidecar::make_handler(
                service, [](std::function<void()> task) { task(); });
            handler(request, [&](forgebot::util::HttpResponse r) {
                if (answers[1]) {
                    violated("the handler answered twice", context);
                }
                answers[1] = std::move(r);
            });
            if (!answers[1]) {
                violated("the handler did not answer", context);
            }
        }
        check_response(request, *answers[way]);
        check_scope(recorder, scoped, context);
    }
    if (answers[0]->status != answers[1]->status) {
        violated("answer() and make_handler() disagree on the status",
                 std::to_string(answers[0]->status) + " vs " + std::to_string(answers[1]->status) +
                     "\n" + context);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static unsigned inputs = 0;
    if (++inputs % k_clean_every == 0) {
        fixture().clean();
    }
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    for (int i = 0; i < k_max_requests && !rest.empty(); ++i) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(k_max_body);
        parser.header_limit(k_max_header);
        parser.eager(true);
        boost::beast::error_code ec;
        while (!parser.is_done() && !rest.empty()) {
            const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
            rest.remove_prefix(used);
            if (ec || used == 0) {
                break;
            }
        }
        if (ec || !parser.is_done()) {
            // Malformed or incomplete: the server answers 400, 413 or 431, or waits for more.
            return 0;
        }
        auto message = parser.release();
        forgebot::util::HttpRequest request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        for (const auto& field : message) {
            request.headers.emplace_back(field.name_string(), field.value());
        }
        request.body = std::move(message.body());
        serve(request);
    }
    return 0;
}
