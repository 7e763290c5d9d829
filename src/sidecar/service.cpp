// The sidecar's methods: argument checks, scope, forge calls, the queue, and one audit record per
// operation.
#include "sidecar/service.hpp"

#include "forge/forge_error.hpp"
#include "util/sha256.hpp"
#include "util/time.hpp"

namespace forgebot::sidecar {

namespace {

/// A positive issue or PR number from params, or RpcError(invalid_params).
std::int64_t number_param(const nlohmann::json& params) {
    const std::int64_t number = int_param(params, "number");
    if (number <= 0) {
        throw RpcError(rpc_code::invalid_params, "invalid params: 'number' must be positive");
    }
    return number;
}

std::string body_summary(const std::string& body) {
    return util::human_size(body.size()) + ", sha256 " + util::sha256_hex(body);
}

const std::vector<std::string>& done_statuses() {
    static const std::vector<std::string> statuses{"success", "failure", "needs_human"};
    return statuses;
}

} // namespace

RpcError to_rpc_error(const Error& error, const std::vector<std::int64_t>& writable) {
    const auto* fe = dynamic_cast<const forge::ForgeError*>(&error);
    switch (error.code()) {
    case Errc::scope_denied:
        return RpcError(rpc_code::scope_denied, error.what(), {{"writable", writable}});
    case Errc::not_found:
        return RpcError(rpc_code::not_found, error.what());
    default:
        break;
    }
    // Rationale: 502, 503 and 504 say the forge cannot answer for now, not that it refused; the
    // agent should wait (Retry-After) and try again, as after a timeout.
    const bool gateway_down = fe != nullptr && fe->http_status() >= 502 && fe->http_status() <= 504;
    if (gateway_down || error.code() == Errc::unavailable || error.code() == Errc::timed_out ||
        error.code() == Errc::rate_limited) {
        nlohmann::json data = nullptr;
        if (fe != nullptr && fe->retry_after()) {
            data = {{"retry_after", fe->retry_after()->count()}};
        }
        return RpcError(rpc_code::forge_unavailable, error.what(), data);
    }
    if (fe != nullptr) {
        return RpcError(rpc_code::forge_error, error.what(),
                        {{"status", fe->http_status()}, {"forge_message", fe->forge_message()}});
    }
    return RpcError(rpc_code::internal_error, error.what());
}

Service::Service(RunScope scope, forge::ScopedForge& forge, QueueWriter& queue, AuditLog& audit,
                 BranchPusher* pusher, std::function<std::chrono::sys_seconds()> clock)
    : m_scope(std::move(scope)), m_forge(forge), m_queue(queue), m_audit(audit), m_pusher(pusher),
      m_clock(clock ? std::move(clock) : util::now_seconds) {
    install();
}

nlohmann::json Service::health() const {
    return {{"status", "ok"},
            {"identity", m_scope.identity},
            {"issue", m_scope.issue},
            {"writable", m_forge.writable()}};
}

void Service::audit(const std::string& method, std::optional<std::int64_t> target,
                    store::AuditOutcome outcome, const std::string& summary) {
    store::AuditEntry entry;
    entry.at = m_clock();
    entry.identity = m_scope.identity;
    entry.operation = method;
    entry.target = target;
    entry.outcome = outcome;
    entry.detail = summary;
    m_audit.record(entry);
}

std::int64_t Service::audited_number(const std::string& method, const nlohmann::json& params,
                                     const std::string& verb) {
    try {
        return number_param(params);
    } catch (const RpcError& e) {
        audit(method, std::nullopt, store::AuditOutcome::denied,
              "denied " + verb + ": " + e.what());
        throw;
    }
}

nlohmann::json Service::write_call(const std::string& method, const nlohmann::json& params,
                                   const std::string& verb,
                                   const std::function<std::string(std::int64_t)>& action) {
    const std::int64_t number = audited_number(method, params, verb);
    try {
        const std::string summary = action(number);
        audit(method, number, store::AuditOutcome::ok, summary);
        return {{"ok", true}};
    } catch (const RpcError& e) {
        audit(method, number, store::AuditOutcome::denied,
              "denied " + verb + " to #" + std::to_string(number) + ": " + e.what());
        throw;
    } catch (const Error& e) {
        if (e.code() == Errc::scope_denied) {
            audit(method, number, store::AuditOutcome::denied,
                  "denied " + verb + " to #" + std::to_string(number) + ": out of scope");
        } else {
            audit(method, number, store::AuditOutcome::error,
                  "failed " + verb + " to #" + std::to_string(number) + ": " + e.what());
        }
        throw to_rpc_error(e, m_forge.writable());
    }
}

void Service::install() {
    m_dispatcher.add(
        "ping", [](const nlohmann::json&) { return nlohmann::json("pong"); }, false);

    // Reads: any number, audited.
    auto read = [this](const std::string& method, const std::string& what,
                       const std::function<nlohmann::json(std::int64_t)>& action) {
        m_dispatcher.add(method, [this, method, what, action](const nlohmann::json& params) {
            const std::int64_t number = audited_number(method, params, method);
            try {
                nlohmann::json result = action(number);
                audit(method, number, store::AuditOutcome::ok,
                      "read " + what + " #" + std::to_string(number));
                return result;
            } catch (const Error& e) {
                audit(method, number, store::AuditOutcome::error,
                      "failed to read " + what + " #" + std::to_string(number) + ": " + e.what());
                throw to_rpc_error(e, m_forge.writable());
            }
        });
    };
    read("read_issue", "issue",
         [this](std::int64_t n) { return nlohmann::json(m_forge.read_issue(n)); });
    read("read_pr", "PR", [this](std::int64_t n) { return nlohmann::json(m_forge.read_pr(n)); });
    read("read_comments", "comments of",
         [this](std::int64_t n) { return nlohmann::json(m_forge.read_comments(n)); });

    m_dispatcher.add("post_comment", [this](const nlohmann::json& params) {
        return write_call("post_comment", params, "comment", [this, &params](std::int64_t n) {
            const std::string body = string_param(params, "body");
            m_forge.post_comment(n, body);
            return "posted comment to #" + std::to_string(n) + " (" + body_summary(body) + ")";
        });
    });
    m_dispatcher.add("update_description", [this](const nlohmann::json& params) {
        return write_call("update_description", params, "description update",
                          [this, &params](std::int64_t n) {
                              const std::string body = string_param(params, "body");
                              m_forge.update_description(n, body);
                              return "updated description of #" + std::to_string(n) + " (" +
                                     body_summary(body) + ")";
                          });
    });

    m_dispatcher.add("push_branch", [this](const nlohmann::json&) -> nlohmann::json {
        if (m_pusher == nullptr || !m_scope.branch) {
            audit("push_branch", std::nullopt, store::AuditOutcome::denied,
                  "denied push: this run has no workspace branch");
            throw RpcError(rpc_code::invalid_request,
                           "push_branch is unavailable: the sidecar was started without "
                           "--workspace and --branch");
        }
        try {
            const PushResult pushed = m_pusher->push();
            audit("push_branch", std::nullopt, store::AuditOutcome::ok,
                  "pushed " + pushed.branch + " at " + pushed.commit.substr(0, 12));
            return {{"ok", true}, {"branch", pushed.branch}, {"commit", pushed.commit}};
        } catch (const Error& e) {
            audit("push_branch", std::nullopt, store::AuditOutcome::error,
                  std::string("failed to push ") + *m_scope.branch + ": " + e.what());
            throw to_rpc_error(e, m_forge.writable());
        }
    });

    m_dispatcher.add("open_pr", [this](const nlohmann::json& params) -> nlohmann::json {
        std::string title;
        std::string body;
        std::optional<std::string> base;
        try {
            title = string_param(params, "title");
            body = string_param(params, "body");
            base = optional_string_param(params, "base");
        } catch (const RpcError& e) {
            audit("open_pr", std::nullopt, store::AuditOutcome::denied,
                  std::string("denied PR: ") + e.what());
            throw;
        }
        if (!m_scope.branch) {
            audit("open_pr", std::nullopt, store::AuditOutcome::denied,
                  "denied PR: this run has no branch");
            throw RpcError(rpc_code::invalid_request,
                           "open_pr is unavailable: the sidecar was started without --branch");
        }
        try {
            const std::string into = base ? *base : m_forge.default_branch();
            const forge::PullRequest pr =
                m_forge.create_pull_request(*m_scope.branch, into, title, body);
            audit("open_pr", pr.number, store::AuditOutcome::ok,
                  "opened PR #" + std::to_string(pr.number) + " from " + *m_scope.branch +
                      " into " + into);
            return {{"number", pr.number}, {"url", pr.url}};
        } catch (const Error& e) {
            audit("open_pr", std::nullopt, store::AuditOutcome::error,
                  "failed to open a PR from " + *m_scope.branch + ": " + e.what());
            throw to_rpc_error(e, m_forge.writable());
        }
    });

    m_dispatcher.add("signal_done", [this](const nlohmann::json& params) -> nlohmann::json {
        std::string status;
        std::string summary;
        try {
            status = string_param(params, "status");
            summary = string_param(params, "summary");
            const auto& valid = done_statuses();
            if (std::find(valid.begin(), valid.end(), status) == valid.end()) {
                throw RpcError(rpc_code::invalid_params,
                               "invalid params: 'status' must be success, failure or needs_human");
            }
        } catch (const RpcError& e) {
            audit("signal_done", std::nullopt, store::AuditOutcome::denied,
                  std::string("refused done signal: ") + e.what());
            throw;
        }
        const std::string id = m_queue.next_id();
        const auto writable = m_forge.writable();
        nlohmann::json pr = nullptr;
        for (const auto n : writable) {
            if (n != m_scope.issue) {
                pr = n; // the newest PR: writable() is ascending
            }
        }
        const nlohmann::json event = {
            {"event_id", id},
            {"type", "done"},
            {"identity", m_scope.identity},
            {"owner", m_scope.owner},
            {"repo", m_scope.repo},
            {"issue", m_scope.issue},
            {"pr", pr},
            {"status", status},
            {"summary", summary},
            {"at", util::format_utc(m_clock())},
        };
        try {
            m_queue.write(id, event);
        } catch (const Error& e) {
            audit("signal_done", std::nullopt, store::AuditOutcome::error,
                  std::string("failed to queue done signal: ") + e.what());
            throw RpcError(rpc_code::internal_error, "cannot queue the done signal");
        }
        audit("signal_done", std::nullopt, store::AuditOutcome::ok, "signalled done: " + status);
        return {{"ok", true}, {"event_id", id}};
    });
}

} // namespace forgebot::sidecar
