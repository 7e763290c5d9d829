// Reading webhook deliveries: header schemes per forge, HMAC checks, and payload normalisation.
#include "orchestrator/webhook.hpp"

#include "forge/api_json.hpp"
#include "util/error.hpp"
#include "util/hmac.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <span>
#include <utility>

namespace forgebot::orchestrator {

namespace {

using nlohmann::json;

/// `X-<vendor>-<field>` for the kind: X-Gitea-*, X-Forgejo-* (else the X-Gitea-* copy Forgejo
/// also sends) or X-GitHub-*; "" when absent.
std::string vendor_header(forge::ForgeKind kind, const HeaderLookup& headers,
                          std::string_view field) {
    const std::string gitea_name = "X-Gitea-" + std::string(field);
    switch (kind) {
    case forge::ForgeKind::gitea:
        return headers(gitea_name);
    case forge::ForgeKind::forgejo: {
        std::string value = headers("X-Forgejo-" + std::string(field));
        return value.empty() ? headers(gitea_name) : value;
    }
    case forge::ForgeKind::github:
        return headers("X-GitHub-" + std::string(field));
    }
    return {};
}

/// The member `key` of `value` when `value` is an object holding a non-null `key`.
const json* member(const json* value, const char* key) {
    if (value == nullptr || !value->is_object()) {
        return nullptr;
    }
    const auto it = value->find(key);
    return it == value->end() || it->is_null() ? nullptr : &*it;
}

/// The member `key` of `value` when it is an object.
const json* object_at(const json* value, const char* key) {
    const json* found = member(value, key);
    return found != nullptr && found->is_object() ? found : nullptr;
}

/// The string member `key` of `value`; "" when absent or not a string.
std::string string_at(const json* value, const char* key) {
    const json* found = member(value, key);
    return found != nullptr && found->is_string() ? found->get<std::string>() : std::string();
}

/// The integer member `key` of `value`; std::nullopt when absent or not an integer.
std::optional<std::int64_t> integer_at(const json* value, const char* key) {
    const json* found = member(value, key);
    if (found == nullptr || !found->is_number_integer()) {
        return std::nullopt;
    }
    return found->get<std::int64_t>();
}

/// Whether the member `key` of `value` is `true`.
bool bool_at(const json* value, const char* key) {
    const json* found = member(value, key);
    return found != nullptr && found->is_boolean() && found->get<bool>();
}

/// A user object's login (see forge::user_login); "" when there is no user.
std::string login_of(const json* user) {
    return user == nullptr ? std::string() : forge::user_login(*user);
}

using KindName = std::pair<std::string_view, EventKind>;

/// GitHub's X-GitHub-Event names (docs.github.com, "Webhook events and payloads").
constexpr std::array<KindName, 6> k_github_kinds{{
    {"issues", EventKind::issue},
    {"issue_comment", EventKind::issue_comment},
    {"pull_request", EventKind::pull_request},
    {"pull_request_review", EventKind::review},
    {"pull_request_review_comment", EventKind::review_comment},
    {"ping", EventKind::ping},
}};

/// Gitea's and Forgejo's X-Gitea-Event names: the grouped names current versions send
/// (modules/webhook/type.go, HookEventType.Event), and the fine-grained types, which the
/// X-Gitea-Event-Type header carries and some versions sent as the event.
constexpr std::array<KindName, 19> k_gitea_kinds{{
    {"issues", EventKind::issue},
    {"issue_assign", EventKind::issue},
    {"issue_label", EventKind::issue},
    {"issue_milestone", EventKind::issue},
    {"issue_comment", EventKind::issue_comment},
    {"pull_request", EventKind::pull_request},
    {"pull_request_assign", EventKind::pull_request},
    {"pull_request_label", EventKind::pull_request},
    {"pull_request_milestone", EventKind::pull_request},
    {"pull_request_sync", EventKind::pull_request},
    {"pull_request_review_request", EventKind::pull_request},
    {"pull_request_approved", EventKind::review},
    {"pull_request_rejected", EventKind::review},
    {"pull_request_comment", EventKind::review},
    {"pull_request_review", EventKind::review},
    {"pull_request_review_approved", EventKind::review},
    {"pull_request_review_rejected", EventKind::review},
    {"pull_request_review_comment", EventKind::review},
    {"ping", EventKind::ping},
}};

/// The kind `table` gives `event`; `other` when it has none.
EventKind kind_named(std::span<const KindName> table, std::string_view event) {
    const auto it = std::find_if(table.begin(), table.end(),
                                 [&](const KindName& entry) { return entry.first == event; });
    return it == table.end() ? EventKind::other : it->second;
}

/// The kind of a Gitea or Forgejo delivery named `event`, with the payload settling the names
/// that more than one kind of delivery uses.
EventKind gitea_kind(std::string_view event, std::string_view action, const json& payload) {
    const EventKind kind = kind_named(k_gitea_kinds, event);
    // Rationale: `pull_request_comment` is the X-Gitea-Event of a review in current Gitea, but
    // also the event type of a comment on a PR's conversation; a comment payload has `comment`,
    // a review payload `review`. Woodpecker's tests deliver reviews as `pull_request` with
    // action `reviewed`.
    if (kind == EventKind::review && object_at(&payload, "comment") != nullptr) {
        return EventKind::issue_comment;
    }
    if (kind == EventKind::pull_request && action == "reviewed") {
        return EventKind::review;
    }
    return kind;
}

/// The comment an issue_comment or review_comment payload carries.
WebhookComment comment_of(const json& comment) {
    WebhookComment out;
    out.id = integer_at(&comment, "id").value_or(0);
    out.user = login_of(object_at(&comment, "user"));
    out.body = string_at(&comment, "body");
    out.path = string_at(&comment, "path");
    // Rationale: GitHub sets `line` to null once a push outdates the comment; the line it was
    // written on is then `original_line`, still the best pointer for whoever answers it.
    out.line = integer_at(&comment, "line");
    if (!out.line) {
        out.line = integer_at(&comment, "original_line");
    }
    return out;
}

/// The review a review payload carries: GitHub {id, user, body}, Gitea {type, content}.
WebhookComment review_of(const json& review, const std::string& sender) {
    WebhookComment out;
    out.id = integer_at(&review, "id").value_or(0);
    out.user = login_of(object_at(&review, "user"));
    if (out.user.empty()) {
        out.user = sender;
    }
    out.body = string_at(&review, "body");
    if (out.body.empty()) {
        out.body = string_at(&review, "content");
    }
    return out;
}

/// `body` as a JSON object. Throws Error{Errc::invalid_input} otherwise.
json parse_object(forge::ForgeKind kind, std::string_view body) {
    const std::string where = "webhook body from " + std::string(forge::to_string(kind));
    json payload;
    try {
        payload = json::parse(body);
    } catch (const json::parse_error& e) {
        std::string message =
            where + " is not json (syntax error at byte " + std::to_string(e.byte) + ")";
        if (body.starts_with("payload=")) {
            message += "; set the webhook's content type to application/json";
        }
        throw Error(Errc::invalid_input, message);
    }
    if (!payload.is_object()) {
        throw Error(Errc::invalid_input,
                    where + " is a json " + payload.type_name() + ", not an object");
    }
    return payload;
}

} // namespace

std::string delivery_id(forge::ForgeKind kind, const HeaderLookup& headers) {
    return vendor_header(kind, headers, "Delivery");
}

bool verify_signature(forge::ForgeKind kind, const HeaderLookup& headers, std::string_view body,
                      std::string_view secret) {
    // Rationale: anyone can compute an HMAC under the empty key, and Gitea sends an empty
    // signature for a hook without a secret; either way the delivery proves nothing.
    if (secret.empty()) {
        return false;
    }
    std::string hex;
    if (kind == forge::ForgeKind::github) {
        static constexpr std::string_view k_prefix = "sha256=";
        const std::string value = headers("X-Hub-Signature-256");
        if (!value.starts_with(k_prefix)) {
            return false;
        }
        hex = value.substr(k_prefix.size());
    } else {
        hex = vendor_header(kind, headers, "Signature");
    }
    if (hex.empty()) {
        return false;
    }
    std::transform(hex.begin(), hex.end(), hex.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return util::constant_time_equal(util::hmac_sha256_hex(secret, body), hex);
}

WebhookEvent parse_webhook(forge::ForgeKind kind, const HeaderLookup& headers,
                           std::string_view body) {
    const json payload = parse_object(kind, body);
    WebhookEvent out;
    out.action = string_at(&payload, "action");
    out.event = vendor_header(kind, headers, "Event");
    std::string event_type;
    if (kind == forge::ForgeKind::github) {
        out.kind = kind_named(k_github_kinds, out.event);
    } else {
        event_type = vendor_header(kind, headers, "Event-Type");
        out.kind = gitea_kind(out.event.empty() ? event_type : out.event, out.action, payload);
        if (!event_type.empty() && event_type != out.event) {
            out.event += "/" + event_type;
        }
    }

    const json* repository = object_at(&payload, "repository");
    out.owner = login_of(object_at(repository, "owner"));
    out.repo = string_at(repository, "name");
    out.sender = login_of(object_at(&payload, "sender"));

    const json* pull = object_at(&payload, "pull_request");
    const json* issue = object_at(&payload, "issue");
    const json* issue_pull = object_at(issue, "pull_request");
    const json* target = pull != nullptr ? pull : issue;
    out.number = integer_at(target, "number").value_or(integer_at(&payload, "number").value_or(0));
    out.is_pull = out.kind == EventKind::pull_request || out.kind == EventKind::review ||
                  out.kind == EventKind::review_comment || pull != nullptr ||
                  issue_pull != nullptr || bool_at(&payload, "is_pull") ||
                  event_type == "pull_request_comment";
    out.state = string_at(target, "state");
    out.merged = bool_at(target, "merged") || bool_at(issue_pull, "merged");
    if (target != nullptr) {
        out.labels = forge::label_names(*target);
        out.assignees = forge::assignee_logins(*target);
    }
    out.head_branch = string_at(object_at(pull, "head"), "ref");

    if (out.kind == EventKind::issue_comment || out.kind == EventKind::review_comment) {
        if (const json* comment = object_at(&payload, "comment"); comment != nullptr) {
            out.comment = comment_of(*comment);
        }
    } else if (out.kind == EventKind::review) {
        if (const json* review = object_at(&payload, "review"); review != nullptr) {
            out.comment = review_of(*review, out.sender);
        }
    }
    return out;
}

std::string_view event_kind_name(EventKind kind) noexcept {
    switch (kind) {
    case EventKind::issue:
        return "issue";
    case EventKind::issue_comment:
        return "issue_comment";
    case EventKind::pull_request:
        return "pull_request";
    case EventKind::review:
        return "review";
    case EventKind::review_comment:
        return "review_comment";
    case EventKind::ping:
        return "ping";
    case EventKind::other:
        return "other";
    }
    return "other";
}

} // namespace forgebot::orchestrator
