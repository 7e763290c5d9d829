// A temporary directory that removes itself, for tests.
#pragma once

#include <filesystem>
#include <string>

namespace forgebot::testing {

/// Creates a fresh directory under $TMPDIR (or /tmp) and removes it with its contents on
/// destruction.
class TempDir {
public:
    TempDir();
    /// Creates a fresh directory named `prefix` plus six random characters in `parent` (for
    /// paths that must stay short, such as Unix sockets: `TempDir("/tmp", "fbt-")`).
    TempDir(const std::filesystem::path& parent, const std::string& prefix);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return m_path; }

private:
    std::filesystem::path m_path;
};

} // namespace forgebot::testing
