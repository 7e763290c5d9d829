// The orchestrator's HTTP endpoints: webhook verification and storage, status and provenance.
#include "orchestrator/front.hpp"

#include "orchestrator/provenance.hpp"
#include "orchestrator/webhook.hpp"
#include "store/forge_state.hpp"
#include "store/inbox_store.hpp"
#include "util/error.hpp"
#include "util/secret_file.hpp"
#include "util/sha256.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace forgebot::orchestrator {

using nlohmann::json;

namespace {

/// How far, in pages, the write-ahead log grows after the front's last checkpoint before a
/// commit of the front checkpoints it (see Database::set_autocheckpoint).
constexpr int k_autocheckpoint_pages = 10'000;

util::HttpResponse answer(unsigned status, json body) {
    util::HttpResponse response;
    response.status = status;
    response.body = body.dump() + "\n";
    return response;
}

util::HttpResponse error(unsigned status, const std::string& message) {
    return answer(status, json{{"error", message}});
}

/// Whether `body` is one JSON object, checked without building it.
bool is_json_object(const std::string& body) {
    const auto first = body.find_first_not_of(" \t\r\n");
    return first != std::string::npos && body[first] == '{' && json::accept(body);
}

/// The answer to a delivery that is stored: 202 when it is new, 200 when it was seen before.
util::HttpResponse delivery_answer(const std::string& id, bool added) {
    return answer(added ? 202 : 200, json{{"delivery", id}, {"duplicate", !added}});
}

/// The request headers the webhook parser reads later, kept with the delivery.
json kept_headers(const util::HttpRequest& request) {
    json out = json::object();
    for (const auto& [name, value] : request.headers) {
        std::string lower = name;
        for (auto& c : lower) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (lower.starts_with("x-") && lower.find("signature") == std::string::npos) {
            out[lower] = value;
        }
    }
    return out;
}

} // namespace

Front::Front(const Config& config, const std::filesystem::path& database,
             std::function<void()> on_delivery)
    : m_config(config), m_db(database), m_on_delivery(std::move(on_delivery)) {
    // Rationale: deliveries are answered after their commit, so a commit that checkpoints keeps
    // them waiting for the checkpoint's copying and its two syncs. The loop's connection writes
    // after every delivery and checkpoints every 1,000 pages; this one only when the log has
    // grown ten times that far, as it does when the loop is stuck.
    m_db.set_autocheckpoint(k_autocheckpoint_pages);
    for (const auto& forge : config.forges) {
        if (forge.webhook_secret_file) {
            m_secrets[forge.name] =
                util::read_secret_file(*forge.webhook_secret_file, "webhook_secret_file");
        }
    }
}

void Front::handle(const util::HttpRequest& request, util::Responder respond) {
    if (auto response = route(request, respond)) {
        respond(std::move(*response));
    }
}

void Front::batch_on(util::HttpServer& server) {
    m_server = &server;
}

std::optional<util::HttpResponse> Front::route(const util::HttpRequest& request,
                                               util::Responder& respond) {
    try {
        const std::string path = request.target.substr(0, request.target.find('?'));
        if (path.starts_with("/webhook/")) {
            if (request.method != "POST") {
                auto response = error(405, "use POST");
                response.headers.emplace_back("Allow", "POST");
                return response;
            }
            return webhook(path.substr(9), request, respond);
        }
        if (request.method != "GET" && request.method != "HEAD") {
            return error(405, "use GET");
        }
        if (path == "/health") {
            return answer(200, json{{"ok", true}});
        }
        if (path == "/api/v1/status") {
            json runs = json::array();
            for (const auto& state : store::ForgeStateStore(m_db).all()) {
                runs.push_back(state_json(state));
            }
            return answer(200, json{{"kill_switch", m_config.kill_switch},
                                    {"allowlist", m_config.allowlist},
                                    {"runs", runs}});
        }
        const std::string prefix = "/api/v1/runs/";
        const std::string suffix = "/provenance";
        if (path.starts_with(prefix) && path.ends_with(suffix) &&
            path.size() > prefix.size() + suffix.size()) {
            const auto slug =
                path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
            if (auto record = provenance(m_db, slug)) {
                return answer(200, *record);
            }
            return error(404, "no run " + slug);
        }
        return error(404, "not found");
    } catch (const std::exception& e) {
        return error(500, e.what());
    }
}

std::optional<util::HttpResponse> Front::webhook(const std::string& forge,
                                                 const util::HttpRequest& request,
                                                 util::Responder& respond) {
    const ForgeEntry* entry = nullptr;
    for (const auto& candidate : m_config.forges) {
        if (candidate.name == forge) {
            entry = &candidate;
        }
    }
    if (entry == nullptr) {
        return error(404, "no forge named " + forge);
    }
    const auto secret = m_secrets.find(forge);
    const HeaderLookup headers = [&request](std::string_view name) {
        return request.header(name);
    };
    if (secret == m_secrets.end() ||
        !verify_signature(entry->kind, headers, request.body, secret->second)) {
        return error(401, "missing or wrong signature");
    }
    if (!is_json_object(request.body)) {
        return error(400, "the body is not a JSON object");
    }
    std::string id = delivery_id(entry->kind, headers);
    if (id.empty()) {
        // Rationale: without a delivery id, the same body is the same delivery.
        id = "sha256:" + util::sha256_hex(request.body);
    }
    store::Delivery delivery;
    delivery.forge = forge;
    delivery.delivery_id = std::move(id);
    delivery.headers = kept_headers(request).dump();
    delivery.body = request.body;
    m_waiting.push_back(std::move(delivery));
    m_responders.push_back(std::move(respond));
    if (m_server == nullptr) {
        store_waiting();
    } else if (m_waiting.size() == 1) {
        m_server->post([this] { store_waiting(); });
    }
    return std::nullopt;
}

void Front::store_waiting() {
    const auto deliveries = std::move(m_waiting);
    const auto responders = std::move(m_responders);
    m_waiting.clear();
    m_responders.clear();
    std::vector<bool> added;
    try {
        added = store::InboxStore(m_db).add_all(deliveries);
    } catch (const std::exception& e) {
        // Nothing was stored: each sender gets the error and delivers again.
        for (const auto& respond : responders) {
            respond(error(500, e.what()));
        }
        return;
    }
    if (std::find(added.begin(), added.end(), true) != added.end() && m_on_delivery) {
        m_on_delivery();
    }
    for (std::size_t i = 0; i < deliveries.size(); ++i) {
        responders[i](delivery_answer(deliveries[i].delivery_id, added[i]));
    }
}

} // namespace forgebot::orchestrator
