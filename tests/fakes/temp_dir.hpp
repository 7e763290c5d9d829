// A temporary directory that removes itself, for tests.
#pragma once

#include <filesystem>

namespace forgebot::testing {

/// Creates a fresh directory under $TMPDIR (or /tmp) and removes it with its contents on
/// destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return m_path; }

private:
    std::filesystem::path m_path;
};

} // namespace forgebot::testing
