// Matching pull requests to issues without regular expressions (bodies can be large).
#include "forge/pr_match.hpp"

#include <array>
#include <string>

namespace forgebot::forge {

namespace {

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool is_word_char(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_closing_keyword(std::string_view word) {
    static constexpr std::array<std::string_view, 9> k_keywords{
        "close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved"};
    std::string lower(word);
    for (char& c : lower) {
        c = ascii_lower(c);
    }
    for (const auto keyword : k_keywords) {
        if (lower == keyword) {
            return true;
        }
    }
    return false;
}

} // namespace

bool has_closing_reference(std::string_view text, std::int64_t issue) {
    const std::string reference = "#" + std::to_string(issue);
    for (std::size_t at = text.find(reference); at != std::string_view::npos;
         at = text.find(reference, at + 1)) {
        const std::size_t after = at + reference.size();
        if (after < text.size() && is_digit(text[after])) {
            continue;
        }
        // Walk back over spaces and one optional colon to the end of the keyword.
        std::size_t end = at;
        while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t')) {
            --end;
        }
        if (end > 0 && text[end - 1] == ':') {
            --end;
        }
        std::size_t begin = end;
        while (begin > 0 && is_word_char(text[begin - 1])) {
            --begin;
        }
        if (begin < end && is_closing_keyword(text.substr(begin, end - begin))) {
            return true;
        }
    }
    return false;
}

bool pr_belongs_to_issue(const PullRequest& pr, std::int64_t issue) {
    const std::string branch = "forgebot/" + std::to_string(issue);
    if (pr.head_branch == branch || pr.head_branch.starts_with(branch + "-")) {
        return true;
    }
    return has_closing_reference(pr.body, issue);
}

std::optional<PullRequest> pick_pr_for_issue(const std::vector<PullRequest>& prs,
                                             std::int64_t issue) {
    const PullRequest* best = nullptr;
    for (const auto& pr : prs) {
        if (!pr_belongs_to_issue(pr, issue)) {
            continue;
        }
        const bool open = pr.state == "open";
        if (best == nullptr) {
            best = &pr;
            continue;
        }
        const bool best_open = best->state == "open";
        if ((open && !best_open) || (open == best_open && pr.number > best->number)) {
            best = &pr;
        }
    }
    if (best == nullptr) {
        return std::nullopt;
    }
    return *best;
}

} // namespace forgebot::forge
