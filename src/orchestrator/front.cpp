// The orchestrator's HTTP endpoints: webhook verification and storage, status and provenance.
#include "orchestrator/front.hpp"

#include "orchestrator/provenance.hpp"
#include "orchestrator/webhook.hpp"
#include "store/forge_state.hpp"
#include "store/inbox_store.hpp"
#include "util/error.hpp"
#include "util/secret_file.hpp"
#include "util/sha256.hpp"

#include <nlohmann/json.hpp>

namespace forgebot::orchestrator {

using nlohmann::json;

namespace {

util::HttpResponse answer(unsigned status, json body) {
    util::HttpResponse response;
    response.status = status;
    response.body = body.dump() + "\n";
    return response;
}

util::HttpResponse error(unsigned status, const std::string& message) {
    return answer(status, json{{"error", message}});
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
    for (const auto& forge : config.forges) {
        if (forge.webhook_secret_file) {
            m_secrets[forge.name] =
                util::read_secret_file(*forge.webhook_secret_file, "webhook_secret_file");
        }
    }
}

util::HttpResponse Front::handle(const util::HttpRequest& request) {
    try {
        const std::string path = request.target.substr(0, request.target.find('?'));
        if (path.starts_with("/webhook/")) {
            if (request.method != "POST") {
                auto response = error(405, "use POST");
                response.headers.emplace_back("Allow", "POST");
                return response;
            }
            return webhook(path.substr(9), request);
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

util::HttpResponse Front::webhook(const std::string& forge, const util::HttpRequest& request) {
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
    const auto body = json::parse(request.body, nullptr, false);
    if (!body.is_object()) {
        return error(400, "the body is not a JSON object");
    }
    std::string id = delivery_id(entry->kind, headers);
    if (id.empty()) {
        // Rationale: without a delivery id, the same body is the same delivery.
        id = "sha256:" + util::sha256_hex(request.body);
    }
    const bool added =
        store::InboxStore(m_db).add(forge, id, kept_headers(request).dump(), request.body);
    if (added && m_on_delivery) {
        m_on_delivery();
    }
    return answer(added ? 202 : 200, json{{"delivery", id}, {"duplicate", !added}});
}

} // namespace forgebot::orchestrator
