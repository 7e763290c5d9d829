// "Did you mean" suggestions: the closest candidate to a mistyped word.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::util {

/// Edit distance between two strings, counting an adjacent transposition as one edit.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` when it is close enough to be a likely typo (distance at most
/// a third of the word's length, minimum 1, or `word` is a prefix of exactly one candidate).
/// No suggestion when two candidates are equally close.
std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string>& candidates);

} // namespace forgebot::util
