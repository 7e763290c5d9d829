// The sidecar's semantic audit: one JSON line per operation, written before the reply, and a row
// in the store's audit table, written behind it.
#pragma once

#include "store/audit_store.hpp"

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace forgebot::sidecar {

/// Records operations. record() appends the JSON line synchronously (O_APPEND, one write) and
/// queues the store row for a background thread, so a slow database never stalls a request;
/// the destructor (or flush()) writes every queued row before returning.
/// Thread-safe.
class AuditLog {
public:
    /// Opens (creating, mode 0600) the JSON-lines file, and the store when `database` is given.
    /// Throws Error{Errc::io} when the file cannot be opened.
    AuditLog(const std::filesystem::path& jsonl, std::optional<std::filesystem::path> database);
    ~AuditLog();
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    /// Records one operation. Throws Error{Errc::io} when the JSON line cannot be written (the
    /// caller then refuses the operation rather than run it unaudited).
    void record(const store::AuditEntry& entry);

    /// Blocks until every queued store row has been written (or has failed, which is logged).
    void flush();

    const std::filesystem::path& path() const noexcept { return m_path; }

private:
    void drain();

    std::filesystem::path m_path;
    int m_fd = -1;
    std::optional<std::filesystem::path> m_database;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    std::deque<store::AuditEntry> m_pending;
    bool m_busy = false;
    bool m_stopping = false;
    std::thread m_writer;
};

} // namespace forgebot::sidecar
