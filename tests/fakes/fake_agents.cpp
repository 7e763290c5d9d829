// Locating the fake agent executables and reading their records.
#include "fakes/fake_agents.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace forgebot::testing {

std::filesystem::path fake_bin_dir() {
    return FORGEBOT_FAKE_BIN_DIR;
}

std::string path_with_fakes() {
    const char* path = std::getenv("PATH");
    return fake_bin_dir().string() + ":" +
           (path != nullptr && *path != '\0' ? path : "/usr/local/bin:/usr/bin:/bin");
}

std::vector<nlohmann::json> fake_agent_records(const std::filesystem::path& home) {
    std::vector<nlohmann::json> records;
    const auto file = home / "fake-agent.jsonl";
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return records;
    }
    std::string line;
    while (std::getline(in, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        try {
            records.push_back(nlohmann::json::parse(line));
        } catch (const nlohmann::json::exception& e) {
            throw std::runtime_error(file.string() + ": a line is not JSON: " + e.what());
        }
    }
    return records;
}

} // namespace forgebot::testing
