// The Maildir-style queue through which the sidecar hands events (signal_done) to the
// orchestrator.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace forgebot::sidecar {

/// Writes events into DIR/new via DIR/tmp, so a reader never sees a partial event.
/// Thread-safe: several threads may write at once.
class QueueWriter {
public:
    /// Creates DIR and its tmp/, new/ and cur/ subdirectories (mode 0700) when missing.
    /// Throws Error{Errc::io} naming the directory when that fails.
    explicit QueueWriter(std::filesystem::path dir);

    /// A fresh event id: unique, and sorting by text sorts by creation time.
    std::string next_id();

    /// Writes `event` (one JSON object, one line) as file `id` in tmp/, fsyncs it, renames it into
    /// new/ and fsyncs new/. Throws Error{Errc::io} when any step fails; a file left in tmp/ by a
    /// failure or a crash is never in new/.
    void write(const std::string& id, const nlohmann::json& event);

    const std::filesystem::path& dir() const noexcept { return m_dir; }

private:
    std::filesystem::path m_dir;
    std::atomic<std::uint64_t> m_counter{0};
};

} // namespace forgebot::sidecar
