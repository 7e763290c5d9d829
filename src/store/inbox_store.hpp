// The orchestrator's durable queues: webhook deliveries (the inbox), processed done events,
// and issues waiting for a free agent slot.
#pragma once

#include "store/database.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::store {

/// One accepted webhook delivery.
struct Delivery {
    std::int64_t id = 0; ///< order of arrival
    std::string forge;   ///< the configured forge it came to
    std::string delivery_id;
    std::string headers; ///< JSON object of the headers the parser reads
    std::string body;    ///< the raw body, byte for byte
    std::chrono::sys_seconds received_at{};
    std::optional<std::chrono::sys_seconds> processed_at;
    std::string outcome; ///< what processing decided, one line
};

/// An issue waiting for a dispatch slot.
struct QueuedDispatch {
    std::int64_t id = 0;
    std::string forge;
    std::string owner;
    std::string repo;
    std::int64_t issue_number = 0;
    std::string agent;
    std::optional<std::string> bottle;
};

/// The inbox, done_events and dispatch_queue tables. Each method is one statement, so several
/// processes may use them at once. Throws Error{Errc::io} on database failure. Not thread-safe,
/// like its Database.
class InboxStore {
public:
    explicit InboxStore(Database& db) : m_db(db) {}

    /// Stores a delivery (committed when this returns). False, storing nothing, when
    /// (forge, delivery_id) was stored before.
    bool add(const std::string& forge, const std::string& delivery_id, const std::string& headers,
             const std::string& body);

    /// Stores `deliveries` (their forge, delivery_id, headers and body) in one transaction,
    /// committed when this returns, or none of them. For each, in order, whether it was new:
    /// false, storing nothing, when (forge, delivery_id) was stored before, by an earlier one of
    /// them too.
    std::vector<bool> add_all(const std::vector<Delivery>& deliveries);

    /// Deliveries not yet processed, oldest first, at most `limit`.
    std::vector<Delivery> pending(std::size_t limit = 100);

    /// Marks delivery `id` processed with `outcome`.
    void mark_processed(std::int64_t id, const std::string& outcome);

    /// Every delivery, newest first, at most `limit` (for status and tests).
    std::vector<Delivery> recent(std::size_t limit = 100);

    /// Records done event `event_id` of bottle `identity` as processed. False when it was
    /// already.
    bool record_done_event(const std::string& event_id, const std::string& identity);

    /// Whether done event `event_id` was processed.
    bool done_event_processed(const std::string& event_id);

    /// Queues an issue for dispatch; false when it is queued already.
    bool enqueue(const QueuedDispatch& dispatch);

    /// The queued issues, in order.
    std::vector<QueuedDispatch> queued();

    /// Removes a queued issue (missing is fine).
    void dequeue(std::int64_t id);

private:
    Database& m_db;
};

} // namespace forgebot::store
