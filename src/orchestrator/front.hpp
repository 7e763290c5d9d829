// The orchestrator's HTTP API: signed webhooks into the inbox, health, status, provenance.
#pragma once

#include "orchestrator/config.hpp"
#include "store/database.hpp"
#include "util/http_server.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <string>

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

    util::HttpResponse handle(const util::HttpRequest& request);

private:
    util::HttpResponse webhook(const std::string& forge, const util::HttpRequest& request);

    const Config& m_config;
    store::Database m_db;
    std::map<std::string, std::string> m_secrets; ///< forge name → webhook secret
    std::function<void()> m_on_delivery;
};

} // namespace forgebot::orchestrator
