// Self-removing temporary directories.
#include "fakes/temp_dir.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <system_error>

namespace forgebot::testing {

namespace {

std::filesystem::path make_temp_dir(std::string pattern) {
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed for " + pattern);
    }
    return pattern;
}

} // namespace

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    m_path = make_temp_dir(std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                           "/forgebot-test.XXXXXX");
}

TempDir::TempDir(const std::filesystem::path& parent, const std::string& prefix)
    : m_path(make_temp_dir((parent / (prefix + "XXXXXX")).string())) {}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

} // namespace forgebot::testing
