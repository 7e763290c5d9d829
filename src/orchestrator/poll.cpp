// Polling the forges: open labelled issues, frozen runs' new comments and closed pull requests
// turned into webhook-shaped deliveries for the loop.
#include "orchestrator/poll.hpp"

#include "orchestrator/labels.hpp"
#include "util/sha256.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

namespace forgebot::orchestrator {

using nlohmann::json;

namespace {

/// How much of the SHA-256 names a polled issue's targeting state.
constexpr std::size_t k_hash_digits = 16;

std::string issue_key(const std::string& owner, const std::string& repo, std::int64_t number) {
    return owner + "/" + repo + "#" + std::to_string(number);
}

/// A delivery of `event` in the forge's own header scheme (as parse_webhook reads it).
PolledDelivery delivery(forge::ForgeKind kind, std::string id, const std::string& event,
                        const std::string& owner, const std::string& repo, json body) {
    const char* header = kind == forge::ForgeKind::github    ? "x-github-event"
                         : kind == forge::ForgeKind::forgejo ? "x-forgejo-event"
                                                             : "x-gitea-event";
    body["repository"] = {{"name", repo}, {"owner", {{"login", owner}}}};
    return {std::move(id), json{{header, event}}.dump(), body.dump()};
}

/// Stores `polled` as a delivery to forge `forge`; 1 when it is new, else 0.
std::size_t store_new(store::InboxStore& inbox, const std::string& forge,
                      const PolledDelivery& polled) {
    return inbox.add(forge, polled.delivery_id, polled.headers, polled.body) ? 1 : 0;
}

/// `[{key: value}, ...]`, the form of a payload's labels (`name`) and users (`login`).
json records(const char* key, const std::vector<std::string>& values) {
    json out = json::array();
    for (const auto& value : values) {
        out.push_back({{key, value}});
    }
    return out;
}

} // namespace

PolledDelivery polled_issue(forge::ForgeKind kind, const std::string& owner,
                            const std::string& repo, const forge::ListedIssue& listed) {
    const auto& issue = listed.issue;
    const auto target = target_from_labels(listed.labels);
    auto assignees = listed.assignees;
    std::sort(assignees.begin(), assignees.end());
    std::string targeting = target ? target->agent + "\n" + target->bottle.value_or("") : "";
    for (const auto& login : assignees) {
        targeting += "\n" + login;
    }
    const std::string id = "poll:issue:" + issue_key(owner, repo, issue.number) + ":" +
                           util::sha256_hex(targeting).substr(0, k_hash_digits);
    return delivery(kind, id, "issues", owner, repo,
                    {{"action", "polled"},
                     {"number", issue.number},
                     {"issue",
                      {{"number", issue.number},
                       {"title", issue.title},
                       {"state", issue.state},
                       {"labels", records("name", listed.labels)},
                       {"assignees", records("login", listed.assignees)},
                       {"pull_request", nullptr}}}});
}

PolledDelivery polled_comment(forge::ForgeKind kind, const std::string& owner,
                              const std::string& repo, std::int64_t number, bool is_pull,
                              const forge::Comment& comment) {
    const std::string id =
        "poll:comment:" + issue_key(owner, repo, number) + ":" + std::to_string(comment.id);
    return delivery(
        kind, id, "issue_comment", owner, repo,
        {{"action", "created"},
         {"issue",
          {{"number", number}, {"pull_request", is_pull ? json::object() : json(nullptr)}}},
         {"comment",
          {{"id", comment.id}, {"user", {{"login", comment.user}}}, {"body", comment.body}}},
         {"sender", {{"login", comment.user}}}});
}

PolledDelivery polled_pr_closed(forge::ForgeKind kind, const std::string& owner,
                                const std::string& repo, const forge::PullRequest& pr) {
    return delivery(kind, "poll:closed:" + issue_key(owner, repo, pr.number), "pull_request", owner,
                    repo,
                    {{"action", "closed"},
                     {"number", pr.number},
                     {"pull_request",
                      {{"number", pr.number},
                       {"state", pr.state},
                       {"merged", pr.merged},
                       {"head", {{"ref", pr.head_branch}}}}}});
}

Poller::Poller(ForgeOpener open_forge, std::function<void(const std::string&)> log)
    : m_open_forge(std::move(open_forge)), m_log(std::move(log)) {}

std::size_t Poller::poll(const Config& config, const std::vector<store::ForgeState>& runs,
                         store::InboxStore& inbox) {
    std::size_t added = 0;
    for (const auto& forge : config.forges) {
        for (const auto& entry : config.allowlist) {
            const auto slash = entry.find('/');
            const std::string owner = entry.substr(0, slash);
            const std::string repo = slash == std::string::npos ? "" : entry.substr(slash + 1);
            added += guarded("poll of " + forge.name + " " + entry,
                             [&] { return poll_issues(forge, owner, repo, inbox); });
        }
        for (const auto& run : runs) {
            if (run.forge_name == forge.name && run.status != store::RunStatus::destroyed &&
                repo_allowed(config, run.owner, run.repo)) {
                added += guarded("poll of " + forge.name + " run " + run.slug + " (" +
                                     issue_key(run.owner, run.repo, run.issue_number) + ")",
                                 [&] { return poll_run(forge, run, inbox); });
            }
        }
    }
    return added;
}

std::size_t Poller::poll_issues(const ForgeEntry& forge, const std::string& owner,
                                const std::string& repo, store::InboxStore& inbox) {
    std::size_t added = 0;
    const auto client = m_open_forge(forge.name, owner, repo);
    for (const auto& listed : client->list_open_issues()) {
        if (!target_from_labels(listed.labels)) {
            continue;
        }
        added += store_new(inbox, forge.name, polled_issue(forge.kind, owner, repo, listed));
    }
    return added;
}

std::size_t Poller::poll_run(const ForgeEntry& forge, const store::ForgeState& run,
                             store::InboxStore& inbox) {
    const auto client = m_open_forge(forge.name, run.owner, run.repo);
    if (run.pr_number) {
        const auto pr = client->read_pr(*run.pr_number);
        if (pr.state == "closed") {
            return store_new(inbox, forge.name,
                             polled_pr_closed(forge.kind, run.owner, run.repo, pr));
        }
    }
    // Rationale: without the last comment seen at the freeze (its forge update failed), old
    // comments cannot be told from new ones; a webhook still rehydrates such a run.
    if (run.status != store::RunStatus::frozen || !run.last_comment_id) {
        return 0;
    }
    std::size_t added = 0;
    std::vector<std::pair<std::int64_t, bool>> numbers{{run.issue_number, false}};
    if (run.pr_number) {
        numbers.emplace_back(*run.pr_number, true);
    }
    for (const auto& [number, is_pull] : numbers) {
        for (const auto& comment : client->read_comments(number)) {
            if (comment.id > *run.last_comment_id) {
                added += store_new(
                    inbox, forge.name,
                    polled_comment(forge.kind, run.owner, run.repo, number, is_pull, comment));
            }
        }
    }
    return added;
}

std::size_t Poller::guarded(const std::string& what, const std::function<std::size_t()>& read) {
    try {
        const std::size_t added = read();
        if (m_failures.erase(what) > 0) {
            m_log(what + " works again");
        }
        return added;
    } catch (const std::exception& e) {
        // Rationale: a repository missing from one of several forges, or a forge that is down,
        // fails at every interval; one line when it starts or changes says as much.
        auto& last = m_failures[what];
        if (last != e.what()) {
            last = e.what();
            m_log(what + " failed (retried every interval): " + last);
        }
        return 0;
    }
}

} // namespace forgebot::orchestrator
