// Forge domain types shared by every forge client, the sidecar and the orchestrator.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace forgebot::forge {

/// An issue as every forge describes it. `state` is "open" or "closed".
struct Issue {
    std::int64_t number = 0;
    std::string title;
    std::string body;
    std::string state;

    bool operator==(const Issue&) const = default;
};

/// An issue as a repository's issue list gives it: the issue, the names of its labels and the
/// logins of its assignees, in the forge's order.
struct ListedIssue {
    Issue issue;
    std::vector<std::string> labels;
    std::vector<std::string> assignees;

    bool operator==(const ListedIssue&) const = default;
};

/// A pull request. `url` is its web page; `merged` is false for open and closed-unmerged PRs.
struct PullRequest {
    std::int64_t number = 0;
    std::string title;
    std::string body;
    std::string state;
    bool merged = false;
    std::string head_branch;
    std::string base_branch;
    std::string url;

    bool operator==(const PullRequest&) const = default;
};

/// A comment on an issue or PR; `user` is the author's login.
struct Comment {
    std::int64_t id = 0;
    std::string user;
    std::string body;

    bool operator==(const Comment&) const = default;
};

/// JSON forms, field names as above (the sidecar's wire format).
void to_json(nlohmann::json& j, const Issue& issue);
void to_json(nlohmann::json& j, const PullRequest& pr);
void to_json(nlohmann::json& j, const Comment& comment);

} // namespace forgebot::forge
