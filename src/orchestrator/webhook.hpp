// Webhook deliveries from Gitea, Forgejo and GitHub: their signatures, delivery ids, and the
// forge-neutral event the orchestrator decides on.
#pragma once

#include "forge/client.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::orchestrator {

/// What kind of thing happened, normalised across forges.
enum class EventKind {
    issue,          ///< an issue opened, closed, edited, labelled, assigned, ...
    issue_comment,  ///< a comment on an issue or on a PR's conversation (see is_pull)
    pull_request,   ///< a PR opened, closed, merged, labelled, assigned, pushed to, ...
    review,         ///< a PR review submitted (Gitea/Forgejo: approved, rejected or comment)
    review_comment, ///< a comment on a line of a PR's diff (GitHub only; see parse_webhook)
    ping,           ///< the forge testing the hook
    other,          ///< anything else (push, release, ...): nothing to decide on
};

/// A comment, or a review's body, carried by an event.
struct WebhookComment {
    std::int64_t id = 0;              ///< the comment's or review's id; 0 when the forge sends none
    std::string user;                 ///< its author's login
    std::string body;                 ///< as written (Markdown); empty when the forge sends none
    std::string path;                 ///< the file a review comment is on; empty otherwise
    std::optional<std::int64_t> line; ///< the line a review comment is on
};

/// One delivery, reduced to what the orchestrator decides on. Fields the payload does not carry
/// keep their defaults.
struct WebhookEvent {
    EventKind kind = EventKind::other;
    /// The event header as sent (X-GitHub-Event, X-Forgejo-Event or X-Gitea-Event); for Gitea
    /// and Forgejo followed by `/` and the X-*-Event-Type when that is present and differs
    /// (`issue_comment/pull_request_comment`).
    std::string event;
    /// The payload's `action`, as sent ("opened", "labeled", "label_updated", "closed",
    /// "created", "synchronized", "reviewed", ...); empty when absent (ping).
    std::string action;
    std::string owner;       ///< repository.owner.login (or .username)
    std::string repo;        ///< repository.name
    std::int64_t number = 0; ///< the issue or PR number; 0 when none (ping, push)
    /// The number is a PR's: pull_request and review events, and an issue_comment on a PR
    /// (GitHub `issue.pull_request` present; Gitea `issue.pull_request` or top-level
    /// `pull_request` non-null, `is_pull` true, or X-Gitea-Event-Type `pull_request_comment`).
    bool is_pull = false;
    std::string state;                  ///< "open" or "closed"; empty when not sent
    bool merged = false;                ///< the PR was closed by merging it
    std::vector<std::string> labels;    ///< label names on the issue or PR now
    std::vector<std::string> assignees; ///< logins: assignees[], or assignee when that is absent
    std::string sender;                 ///< who caused the event (sender.login or .username)
    /// issue_comment and review_comment: the comment; review: the review (GitHub id, user and
    /// body; Gitea/Forgejo send only its content, so id 0 and user the sender).
    std::optional<WebhookComment> comment;
    std::string head_branch; ///< a PR's head ref, when the payload carries the PR
};

/// Looks a request header up by case-insensitive name; returns "" when it is absent.
using HeaderLookup = std::function<std::string(std::string_view name)>;

/// The delivery's id: X-Gitea-Delivery for Gitea, X-Forgejo-Delivery (else X-Gitea-Delivery,
/// which Forgejo sends too) for Forgejo, X-GitHub-Delivery for GitHub; "" when absent.
std::string delivery_id(forge::ForgeKind kind, const HeaderLookup& headers);

/// Whether the delivery's signature is the HMAC-SHA256 of the raw `body` under `secret`,
/// compared in constant time: Gitea `X-Gitea-Signature` (hex), Forgejo `X-Forgejo-Signature`
/// (else `X-Gitea-Signature`; hex), GitHub `X-Hub-Signature-256` (`sha256=` then hex). The hex
/// digits may be in either case. False when the header is missing or malformed, and always
/// false for an empty secret. Throws forgebot::Error only as util::hmac_sha256_hex does.
bool verify_signature(forge::ForgeKind kind, const HeaderLookup& headers, std::string_view body,
                      std::string_view secret);

/// Parses a delivery's JSON `body`, with the event named by its headers (X-GitHub-Event;
/// X-Forgejo-Event else X-Gitea-Event, and X-*-Event-Type), into the event. Gitea and Forgejo
/// deliver reviews as PR payloads with a `review` {type, content} and no file or line, so they
/// are EventKind::review, never review_comment. An unknown event gives kind `other`; missing,
/// null or mistyped fields keep their defaults. Throws Error{Errc::invalid_input} when the body
/// is not JSON (the message gives the byte offset) or not a JSON object.
WebhookEvent parse_webhook(forge::ForgeKind kind, const HeaderLookup& headers,
                           std::string_view body);

/// The name of a kind for logs: `"issue"`, `"issue_comment"`, ..., `"other"`.
std::string_view event_kind_name(EventKind kind) noexcept;

} // namespace forgebot::orchestrator
