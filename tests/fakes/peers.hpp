// Locates the third-party protocol samples in ../shared/peers, or says visibly that a test skips.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace forgebot::testing {

/// The peers directory when it exists. When it does not, prints
/// `forgebot-test-skip: <what> skipped: ../shared/peers is absent` on stdout, which ctest reports
/// as a skipped test (SKIP_REGULAR_EXPRESSION), and returns std::nullopt.
std::optional<std::filesystem::path> peers_dir(std::string_view what);

} // namespace forgebot::testing
