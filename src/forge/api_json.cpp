// Forge record parsing, lenient about nulls and strict about identifying numbers.
#include "forge/api_json.hpp"

#include "forge/forge_error.hpp"

#include <cstdint>

namespace forgebot::forge {

namespace {

const nlohmann::json& require_object(const nlohmann::json& record, std::string_view what,
                                     const std::string& context) {
    if (!record.is_object()) {
        throw ForgeError(Errc::bad_response,
                         context + ": forge answered something other than " + std::string(what));
    }
    return record;
}

std::int64_t required_integer(const nlohmann::json& record, std::string_view key,
                              std::string_view what, const std::string& context) {
    const auto it = record.find(key);
    if (it == record.end() || !it->is_number_integer()) {
        throw ForgeError(Errc::bad_response, context + ": forge answered " + std::string(what) +
                                                 " without '" + std::string(key) + "'");
    }
    return it->get<std::int64_t>();
}

} // namespace

std::string string_field(const nlohmann::json& object, std::string_view key) {
    if (!object.is_object()) {
        return {};
    }
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) {
        return {};
    }
    return it->get<std::string>();
}

std::string user_login(const nlohmann::json& user) {
    std::string login = string_field(user, "login");
    return login.empty() ? string_field(user, "username") : login;
}

std::vector<std::string> label_names(const nlohmann::json& record) {
    std::vector<std::string> names;
    if (!record.is_object()) {
        return names;
    }
    if (const auto list = record.find("labels"); list != record.end() && list->is_array()) {
        for (const auto& label : *list) {
            if (std::string name = string_field(label, "name"); !name.empty()) {
                names.push_back(std::move(name));
            }
        }
    }
    return names;
}

std::vector<std::string> assignee_logins(const nlohmann::json& record) {
    std::vector<std::string> logins;
    if (!record.is_object()) {
        return logins;
    }
    const auto list = record.find("assignees");
    if (list != record.end() && list->is_array()) {
        for (const auto& user : *list) {
            if (std::string login = user_login(user); !login.empty()) {
                logins.push_back(std::move(login));
            }
        }
    } else if (const auto single = record.find("assignee"); single != record.end()) {
        if (std::string login = user_login(*single); !login.empty()) {
            logins.push_back(std::move(login));
        }
    }
    return logins;
}

Issue issue_from_json(const nlohmann::json& record, const std::string& context) {
    require_object(record, "an issue", context);
    Issue issue;
    issue.number = required_integer(record, "number", "an issue", context);
    issue.title = string_field(record, "title");
    issue.body = string_field(record, "body");
    issue.state = string_field(record, "state");
    return issue;
}

ListedIssue listed_issue_from_json(const nlohmann::json& record, const std::string& context) {
    return {issue_from_json(record, context), label_names(record), assignee_logins(record)};
}

PullRequest pull_request_from_json(const nlohmann::json& record, const std::string& context) {
    require_object(record, "a pull request", context);
    PullRequest pr;
    pr.number = required_integer(record, "number", "a pull request", context);
    pr.title = string_field(record, "title");
    pr.body = string_field(record, "body");
    pr.state = string_field(record, "state");
    if (const auto merged = record.find("merged"); merged != record.end() && merged->is_boolean()) {
        pr.merged = merged->get<bool>();
    } else {
        pr.merged = !string_field(record, "merged_at").empty();
    }
    if (const auto head = record.find("head"); head != record.end()) {
        pr.head_branch = string_field(*head, "ref");
    }
    if (const auto base = record.find("base"); base != record.end()) {
        pr.base_branch = string_field(*base, "ref");
    }
    pr.url = string_field(record, "html_url");
    return pr;
}

Comment comment_from_json(const nlohmann::json& record, const std::string& context) {
    require_object(record, "a comment", context);
    Comment comment;
    comment.id = required_integer(record, "id", "a comment", context);
    if (const auto user = record.find("user"); user != record.end()) {
        comment.user = string_field(*user, "login");
    }
    comment.body = string_field(record, "body");
    return comment;
}

} // namespace forgebot::forge
