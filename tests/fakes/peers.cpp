// Peer sample lookup for tests.
#include "fakes/peers.hpp"

#include <cstdlib>
#include <iostream>

namespace forgebot::testing {

std::optional<std::filesystem::path> peers_dir(std::string_view what) {
    std::filesystem::path dir = FORGEBOT_PEERS_DIR;
    if (const char* env = std::getenv("FORGEBOT_PEERS_DIR"); env != nullptr && *env != '\0') {
        dir = env;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) {
        return dir;
    }
    std::cout << "forgebot-test-skip: " << what << " skipped: ../shared/peers is absent"
              << std::endl;
    return std::nullopt;
}

} // namespace forgebot::testing
