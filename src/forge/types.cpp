// JSON forms of the forge domain types.
#include "forge/types.hpp"

#include <nlohmann/json.hpp>

namespace forgebot::forge {

void to_json(nlohmann::json& j, const Issue& issue) {
    j = {{"number", issue.number},
         {"title", issue.title},
         {"body", issue.body},
         {"state", issue.state}};
}

void to_json(nlohmann::json& j, const PullRequest& pr) {
    j = {{"number", pr.number},
         {"title", pr.title},
         {"body", pr.body},
         {"state", pr.state},
         {"merged", pr.merged},
         {"head_branch", pr.head_branch},
         {"base_branch", pr.base_branch},
         {"url", pr.url}};
}

void to_json(nlohmann::json& j, const Comment& comment) {
    j = {{"id", comment.id}, {"user", comment.user}, {"body", comment.body}};
}

} // namespace forgebot::forge
