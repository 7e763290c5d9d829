// The orchestrator's HTTP API: signed webhooks into the inbox, health, status, provenance.
#pragma once

#include "orchestrator/config.hpp"
#include "store/database.hpp"
#include "store/inbox_store.hpp"
#include "util/http_server.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace forgebot::orchestrator {

/// Answers requests on the server's thread with its own database connection.
///
/// - `POST /webhook/NAME`: the delivery for configured forge NAME. Its HMAC-SHA256 signature is
///   checked with the forge's webhook secret (401 when missing or wrong, and nothing stored),
///   the body must be a JSON object (400), and an accepted delivery is stored in the inbox
///   before the answer: 202 when new, 200 when its delivery id was seen before. Bodies over
///   the server's limit get 413 from the server.
/// - `GET /health`, `GET /api/v1/status`, `GET /api/v1/runs/SLUG/provenance`.
/// Not thread-safe: one Front per server thread.
class Front {
public:
    /// Reads every forge's webhook secret now; a forge without one refuses all deliveries.
    /// Throws what util::read_secret_file throws for a secret file that cannot be read.
    Front(const Config& config, const std::filesystem::path& database,
          std::function<void()> on_delivery);

    /// Answers `request` through `respond`: at once, or for a delivery, once it is stored. Until
    /// batch_on() is called, each delivery is stored on its own before this returns.
    void handle(const util::HttpRequest& request, util::Responder respond);

    /// From now on, stores the deliveries that reach handle() together in one transaction,
    /// committed by work posted to `server`, whose thread calls handle(): it runs after the
    /// requests that were already waiting there. The work refers to this Front, so `server`
    /// must stop before this Front is destroyed.
    /// Rationale: a commit costs mostly per transaction (the lock, the pages the rows share,
    /// re-reading what the loop's connection changed), so deliveries that arrive on several
    /// connections at once cost much less together.
    void batch_on(util::HttpServer& server);

private:
    /// The answer to `request` when it can be given now; std::nullopt when `respond` was kept
    /// to answer a delivery once it is stored.
    std::optional<util::HttpResponse> route(const util::HttpRequest& request,
                                            util::Responder& respond);
    std::optional<util::HttpResponse>
    webhook(const std::string& forge, const util::HttpRequest& request, util::Responder& respond);
    /// Stores the waiting deliveries in one transaction and answers them.
    void store_waiting();

    const Config& m_config;
    store::Database m_db;
    std::map<std::string, std::string> m_secrets; ///< forge name → webhook secret
    std::function<void()> m_on_delivery;
    util::HttpServer* m_server = nullptr;      ///< set by batch_on
    std::vector<store::Delivery> m_waiting;    ///< verified, for the next transaction
    std::vector<util::Responder> m_responders; ///< of m_waiting, in order
};

} // namespace forgebot::orchestrator
