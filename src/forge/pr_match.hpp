// Which pull request belongs to an issue: forgebot's branch naming and closing-keyword references.
#pragma once

#include "forge/types.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace forgebot::forge {

/// True when `text` references `issue` with a closing keyword: close, closes, closed, fix, fixes,
/// fixed, resolve, resolves or resolved (any case, a whole word), an optional `:`, optional
/// spaces, then `#<issue>` not followed by another digit (`fixes #17` matches 17, not 170).
bool has_closing_reference(std::string_view text, std::int64_t issue);

/// True when `pr` belongs to `issue`: its head branch is `forgebot/<issue>` or starts with
/// `forgebot/<issue>-`, or its body has a closing reference to the issue.
bool pr_belongs_to_issue(const PullRequest& pr, std::int64_t issue);

/// The PR among `prs` that belongs to `issue`: open ones first, then the highest number;
/// std::nullopt when none belongs.
std::optional<PullRequest> pick_pr_for_issue(const std::vector<PullRequest>& prs,
                                             std::int64_t issue);

} // namespace forgebot::forge
