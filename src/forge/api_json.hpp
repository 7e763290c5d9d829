// Reading forge JSON records (issues, PRs, comments) into the domain types, field by field.
#pragma once

#include "forge/types.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::forge {

/// The string member `key` of `object`; "" when `object` is not an object, or the member is
/// missing, null or not a string. Rationale: forges send `"body": null` for empty bodies.
std::string string_field(const nlohmann::json& object, std::string_view key);

/// A user record's `login`, else its `username` (older Gitea sends only that); "" when neither is
/// a string.
std::string user_login(const nlohmann::json& user);

/// The names of `record`'s `labels[]`, in order; empty when it has none (or is not an object).
std::vector<std::string> label_names(const nlohmann::json& record);

/// The logins of `record`'s `assignees[]`, or of its single `assignee` when `assignees` is
/// not a list; users without a login are left out.
std::vector<std::string> assignee_logins(const nlohmann::json& record);

/// An issue from a Gitea or GitHub issue record. `context` (`gitea GET /repos/o/r/issues/5`)
/// prefixes errors. Throws ForgeError (bad_response) when it is not an object or has no integer
/// `number`.
Issue issue_from_json(const nlohmann::json& record, const std::string& context);

/// An issue from an issue list's record, with its labels and assignees. Throws as
/// issue_from_json.
ListedIssue listed_issue_from_json(const nlohmann::json& record, const std::string& context);

/// A pull request from a Gitea or GitHub PR record (`head.ref`, `base.ref`, `html_url`,
/// `merged`, or `merged_at` in GitHub's list form). Throws as issue_from_json.
PullRequest pull_request_from_json(const nlohmann::json& record, const std::string& context);

/// A comment from a Gitea or GitHub comment record (`user.login`). Throws ForgeError
/// (bad_response) when it has no integer `id`.
Comment comment_from_json(const nlohmann::json& record, const std::string& context);

} // namespace forgebot::forge
