// Plain-text tables with aligned columns, for human-readable listings.
#pragma once

#include <string>
#include <vector>

namespace forgebot::util {

/// Renders a header row and data rows as left-aligned columns separated by two spaces, one line
/// per row, each ending in '\n'. Trailing spaces are trimmed. Rows shorter than the header are
/// padded with empty cells.
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

} // namespace forgebot::util
