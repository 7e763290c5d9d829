// A Forge that records every call and answers from canned data, for testing code built on Forge.
#pragma once

#include "forge/forge.hpp"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace forgebot::testing {

/// Records each call as `"<method> <number or names>"` (e.g. `"post_comment 17"`) and answers
/// with plausible canned values; create_pull_request numbers PRs from 100 up. Thread-safe.
class RecordingForge final : public forge::Forge {
public:
    RecordingForge() : Forge("owner", "repo") {}

    /// The calls so far, in order.
    std::vector<std::string> calls() const {
        const std::lock_guard lock(m_mutex);
        return m_calls;
    }

    forge::Issue read_issue(std::int64_t number) override {
        record("read_issue " + std::to_string(number));
        return {number, "issue " + std::to_string(number), "body", "open"};
    }
    forge::PullRequest read_pr(std::int64_t number) override {
        record("read_pr " + std::to_string(number));
        return pr(number);
    }
    std::vector<forge::Comment> read_comments(std::int64_t number) override {
        record("read_comments " + std::to_string(number));
        return {{1, "alice", "hello"}};
    }
    std::vector<forge::PullRequest> list_pull_requests() override {
        record("list_pull_requests");
        return {pr(42)};
    }
    std::vector<forge::ListedIssue> list_open_issues() override {
        record("list_open_issues");
        return {{{17, "issue 17", "body", "open"}, {"forgebot:claude"}, {"alice"}}};
    }
    void post_comment(std::int64_t number, const std::string&) override {
        record("post_comment " + std::to_string(number));
    }
    void update_description(std::int64_t number, const std::string&) override {
        record("update_description " + std::to_string(number));
    }
    std::string current_user() override {
        record("current_user");
        return "forgebot";
    }
    bool is_org_member(const std::string& org, const std::string& user) override {
        record("is_org_member " + org + " " + user);
        return true;
    }
    std::optional<forge::PullRequest> get_pr_for_issue(std::int64_t issue) override {
        record("get_pr_for_issue " + std::to_string(issue));
        return pr(42);
    }
    bool is_pr_open(std::int64_t number) override {
        record("is_pr_open " + std::to_string(number));
        return true;
    }
    forge::PullRequest create_pull_request(const std::string& head, const std::string& base,
                                           const std::string&, const std::string&) override {
        record("create_pull_request " + head + " " + base);
        const std::lock_guard lock(m_mutex);
        return pr(m_next_pr++);
    }
    void add_label(std::int64_t number, const std::string& name) override {
        record("add_label " + std::to_string(number) + " " + name);
    }
    void remove_label(std::int64_t number, const std::string& name) override {
        record("remove_label " + std::to_string(number) + " " + name);
    }
    std::string clone_url() override {
        record("clone_url");
        return "https://forge.example/owner/repo.git";
    }
    std::string default_branch() override {
        record("default_branch");
        return "main";
    }

private:
    static forge::PullRequest pr(std::int64_t number) {
        return {number, "pr", "Fixes #17", "open", false, "forgebot/17-x", "main", "https://pr"};
    }
    void record(std::string call) {
        const std::lock_guard lock(m_mutex);
        m_calls.push_back(std::move(call));
    }

    mutable std::mutex m_mutex;
    std::vector<std::string> m_calls;
    std::int64_t m_next_pr = 100;
};

} // namespace forgebot::testing
