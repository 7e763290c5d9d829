// The sidecar's method table: the forge-agnostic API an agent may call, scoped and audited.
#pragma once

#include "forge/scoped_forge.hpp"
#include "sidecar/audit.hpp"
#include "sidecar/jsonrpc.hpp"
#include "sidecar/queue.hpp"
#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace forgebot::sidecar {

/// What push_branch did.
struct PushResult {
    std::string branch;
    std::string commit;
};

/// Pushes the run's workspace HEAD to the run's branch on the forge (see sidecar/push.hpp).
class BranchPusher {
public:
    virtual ~BranchPusher() = default;
    /// Pushes without force; throws forgebot::Error (forge::ForgeError for forge refusals).
    virtual PushResult push() = 0;
};

/// Who this sidecar serves: one run, assigned one issue.
struct RunScope {
    std::string identity; ///< the run's slug, e.g. `claude-ab3de`
    std::string owner;
    std::string repo;
    std::int64_t issue = 0;
    std::optional<std::string> branch; ///< the run's own branch; push_branch and open_pr need it
};

/// Builds the dispatcher for one run: read_issue, read_pr, read_comments, post_comment,
/// update_description, push_branch, open_pr, signal_done, ping. Every forge operation and every
/// signal_done is audited (allowed, denied or failed) before its answer; ping is not.
/// The referenced objects must outlive the service. Thread-safe once built.
class Service {
public:
    Service(RunScope scope, forge::ScopedForge& forge, QueueWriter& queue, AuditLog& audit,
            BranchPusher* pusher, std::function<std::chrono::sys_seconds()> clock = nullptr);

    /// The method table, ready to answer request bodies.
    const Dispatcher& dispatcher() const noexcept { return m_dispatcher; }

    /// The body of `GET /health`.
    nlohmann::json health() const;

private:
    void install();
    void audit(const std::string& method, std::optional<std::int64_t> target,
               store::AuditOutcome outcome, const std::string& summary);
    /// The positive `number` param; a malformed one is audited as denied ("denied VERB: ...")
    /// and rethrown as RpcError(invalid_params).
    std::int64_t audited_number(const std::string& method, const nlohmann::json& params,
                                const std::string& verb);
    nlohmann::json write_call(const std::string& method, const nlohmann::json& params,
                              const std::string& verb,
                              const std::function<std::string(std::int64_t)>& action);

    RunScope m_scope;
    forge::ScopedForge& m_forge;
    QueueWriter& m_queue;
    AuditLog& m_audit;
    BranchPusher* m_pusher;
    std::function<std::chrono::sys_seconds()> m_clock;
    Dispatcher m_dispatcher;
};

/// The JSON-RPC error for a forgebot::Error met while serving `method`: scope_denied → -32001
/// (data.writable), not_found → -32003, unreachable/timed out/rate limited or HTTP 502-504 →
/// -32004 (data.retry_after when known), other forge failures → -32002 (data.status,
/// data.forge_message), anything else → -32603.
RpcError to_rpc_error(const Error& error, const std::vector<std::int64_t>& writable);

} // namespace forgebot::sidecar
