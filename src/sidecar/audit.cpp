// Audit log: synchronous JSON lines, asynchronous store rows.
#include "sidecar/audit.hpp"

#include "store/database.hpp"
#include "store/home.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace forgebot::sidecar {

AuditLog::AuditLog(const std::filesystem::path& jsonl,
                   std::optional<std::filesystem::path> database)
    : m_path(jsonl), m_database(std::move(database)) {
    if (m_path.has_parent_path()) {
        store::ensure_private_dir(m_path.parent_path());
    }
    m_fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (m_fd < 0) {
        throw Error(Errc::io,
                    "cannot open audit log " + m_path.string() + ": " + std::strerror(errno));
    }
    if (m_database) {
        m_writer = std::thread([this] { drain(); });
    }
}

AuditLog::~AuditLog() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_writer.joinable()) {
        m_writer.join();
    }
    ::close(m_fd);
}

void AuditLog::record(const store::AuditEntry& entry) {
    nlohmann::json line = {
        {"at", util::format_utc(entry.at)},
        {"identity", entry.identity},
        {"method", entry.operation},
        {"target", entry.target ? nlohmann::json(*entry.target) : nlohmann::json(nullptr)},
        {"outcome", store::to_string(entry.outcome)},
        {"summary", entry.detail},
    };
    const std::string text = line.dump() + "\n";
    // Rationale: one write() on an O_APPEND descriptor keeps concurrent lines whole.
    const ssize_t n = ::write(m_fd, text.data(), text.size());
    if (n != static_cast<ssize_t>(text.size())) {
        throw Error(Errc::io, "cannot write audit log " + m_path.string() + ": " +
                                  std::strerror(n < 0 ? errno : EIO));
    }
    if (m_database) {
        std::lock_guard lock(m_mutex);
        m_pending.push_back(entry);
        m_wake.notify_one();
    }
}

void AuditLog::flush() {
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return m_pending.empty() && !m_busy; });
}

void AuditLog::drain() {
    std::optional<store::Database> db;
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stopping || !m_pending.empty(); });
        if (m_pending.empty()) {
            return; // stopping, and nothing left to write
        }
        std::deque<store::AuditEntry> batch;
        batch.swap(m_pending);
        m_busy = true;
        lock.unlock();
        try {
            if (!db) {
                db.emplace(*m_database);
            }
            store::AuditStore audit(*db);
            for (const auto& entry : batch) {
                audit.append(entry);
            }
        } catch (const std::exception& e) {
            std::cerr << "forgebot: warning: audit rows not stored: " << e.what() << '\n';
        }
        lock.lock();
        m_busy = false;
        m_idle.notify_all();
    }
}

} // namespace forgebot::sidecar
