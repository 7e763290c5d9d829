// Polling, for forges that cannot reach the orchestrator: what the forge's lists show becomes
// deliveries in the webhook inbox, which the loop decides on as it does on webhooks.
#pragma once

#include "forge/client.hpp"
#include "forge/forge.hpp"
#include "orchestrator/config.hpp"
#include "store/forge_state.hpp"
#include "store/inbox_store.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace forgebot::orchestrator {

/// A forge client for `owner/repo` on configured forge `forge`.
using ForgeOpener = std::function<std::unique_ptr<forge::Forge>(
    const std::string& forge, const std::string& owner, const std::string& repo)>;

/// A delivery made from what a poll saw: a webhook of the forge's kind, as the inbox stores one.
struct PolledDelivery {
    std::string delivery_id;
    std::string headers; ///< a JSON object holding the event header parse_webhook reads
    std::string body;    ///< a webhook payload
};

/// An open issue with a `forgebot:AGENT` label as an `issues` event with action `polled`, id
/// `poll:issue:OWNER/REPO#N:HASH`. HASH covers what targeting reads (the agent and bottle the
/// labels name, the assignees), so an issue is decided on again only when one of those changes.
PolledDelivery polled_issue(forge::ForgeKind kind, const std::string& owner,
                            const std::string& repo, const forge::ListedIssue& issue);

/// A comment on issue or PR `number` as an `issue_comment` event with action `created`, id
/// `poll:comment:OWNER/REPO#N:ID`.
PolledDelivery polled_comment(forge::ForgeKind kind, const std::string& owner,
                              const std::string& repo, std::int64_t number, bool is_pull,
                              const forge::Comment& comment);

/// A closed pull request as a `pull_request` event with action `closed`, id
/// `poll:closed:OWNER/REPO#N`.
PolledDelivery polled_pr_closed(forge::ForgeKind kind, const std::string& owner,
                                const std::string& repo, const forge::PullRequest& pr);

/// Lists what the forges hold and stores it in the inbox as deliveries. Not thread-safe.
class Poller {
public:
    /// `log` takes one line per failure (see poll()).
    Poller(ForgeOpener open_forge, std::function<void(const std::string&)> log);

    /// One poll of every configured forge: on each allowlisted repository, every open issue with
    /// a `forgebot:AGENT` label (polled_issue); for each run of `runs` on an allowlisted
    /// repository that is not destroyed, its pull request once closed (polled_pr_closed), and
    /// when frozen, each comment on its issue and pull request newer than its last_comment_id
    /// (polled_comment). A delivery id stored before is not stored again. Returns how many
    /// deliveries were new. Never throws: a failure to read or store one repository's or run's
    /// findings is logged when it starts or changes (and once when it ends), and the rest go on.
    std::size_t poll(const Config& config, const std::vector<store::ForgeState>& runs,
                     store::InboxStore& inbox);

private:
    std::size_t poll_issues(const ForgeEntry& forge, const std::string& owner,
                            const std::string& repo, store::InboxStore& inbox);
    std::size_t poll_run(const ForgeEntry& forge, const store::ForgeState& run,
                         store::InboxStore& inbox);
    /// Runs `read`, logging a failure under `what` as poll() says; 0 when it failed.
    std::size_t guarded(const std::string& what, const std::function<std::size_t()>& read);

    ForgeOpener m_open_forge;
    std::function<void(const std::string&)> m_log;
    std::map<std::string, std::string> m_failures; ///< what failed → the error last logged
};

} // namespace forgebot::orchestrator
