// Typo suggestions by edit distance.
#include "util/suggest.hpp"

#include <algorithm>
#include <numeric>

namespace forgebot::util {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Optimal string alignment: Levenshtein plus adjacent transpositions ("hlep" is one edit).
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) {
        d[i][0] = i;
    }
    std::iota(d[0].begin(), d[0].end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string>& candidates) {
    std::optional<std::string> best;
    bool tied = false;
    std::size_t best_distance = std::max<std::size_t>(1, word.size() / 3) + 1;
    for (const auto& candidate : candidates) {
        const std::size_t d = edit_distance(word, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
            tied = false;
        } else if (best && d == best_distance) {
            tied = true;
        }
    }
    if (tied) {
        return std::nullopt;
    }
    if (best || word.empty()) {
        return best;
    }
    std::optional<std::string> prefixed;
    for (const auto& candidate : candidates) {
        if (candidate.starts_with(word)) {
            if (prefixed) {
                return std::nullopt;
            }
            prefixed = candidate;
        }
    }
    return prefixed;
}

} // namespace forgebot::util
