// The orchestrator's durable queues in SQLite: deliveries, done events, waiting dispatches.
#include "store/inbox_store.hpp"

#include "store/sqlite_support.hpp"
#include "util/time.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace forgebot::store {

namespace {

constexpr const char* k_select_delivery =
    "SELECT id, forge, delivery_id, headers, body, received_at, processed_at, outcome FROM inbox";

Delivery read_delivery(const SQLite::Statement& query, const std::filesystem::path& file) {
    Delivery d;
    d.id = query.getColumn(0).getInt64();
    const std::string row = "inbox row " + std::to_string(d.id);
    d.forge = query.getColumn(1).getString();
    d.delivery_id = query.getColumn(2).getString();
    d.headers = query.getColumn(3).getString();
    const auto body = query.getColumn(4);
    d.body.assign(static_cast<const char*>(body.getBlob()), static_cast<std::size_t>(body.size()));
    d.received_at = read_time(query.getColumn(5), row, file);
    d.processed_at = read_optional_time(query.getColumn(6), row, file);
    d.outcome = read_optional_text(query.getColumn(7)).value_or("");
    return d;
}

} // namespace

bool InboxStore::add(const std::string& forge, const std::string& delivery_id,
                     const std::string& headers, const std::string& body) {
    Delivery delivery;
    delivery.forge = forge;
    delivery.delivery_id = delivery_id;
    delivery.headers = headers;
    delivery.body = body;
    return add_all({delivery}).front();
}

std::vector<bool> InboxStore::add_all(const std::vector<Delivery>& deliveries) {
    return with_store_errors(
        [&] {
            return (deliveries.size() == 1
                        ? "store webhook delivery " + deliveries.front().delivery_id
                        : "store " + std::to_string(deliveries.size()) + " webhook deliveries") +
                   " in " + m_db.path().string();
        },
        [&] {
            SQLite::Transaction transaction(m_db.handle(), SQLite::TransactionBehavior::IMMEDIATE);
            SQLite::Statement insert(m_db.handle(), R"sql(
INSERT INTO inbox (forge, delivery_id, headers, body, received_at) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (forge, delivery_id) DO NOTHING
)sql");
            const std::string now = util::format_utc(util::now_seconds());
            std::vector<bool> added;
            for (const auto& d : deliveries) {
                insert.bind(1, d.forge);
                insert.bind(2, d.delivery_id);
                insert.bind(3, d.headers);
                insert.bind(4, d.body.data(), static_cast<int>(d.body.size()));
                insert.bind(5, now);
                added.push_back(insert.exec() == 1);
                insert.reset();
            }
            transaction.commit();
            return added;
        });
}

std::vector<Delivery> InboxStore::pending(std::size_t limit) {
    return with_store_errors([&] { return "read the inbox in " + m_db.path().string(); },
                             [&] {
                                 SQLite::Statement query(m_db.handle(),
                                                         std::string(k_select_delivery) +
                                                             " WHERE processed_at IS NULL ORDER BY "
                                                             "id LIMIT ?");
                                 query.bind(1, static_cast<std::int64_t>(limit));
                                 std::vector<Delivery> out;
                                 while (query.executeStep()) {
                                     out.push_back(read_delivery(query, m_db.path()));
                                 }
                                 return out;
                             });
}

std::vector<Delivery> InboxStore::recent(std::size_t limit) {
    return with_store_errors([&] { return "read the inbox in " + m_db.path().string(); },
                             [&] {
                                 SQLite::Statement query(m_db.handle(),
                                                         std::string(k_select_delivery) +
                                                             " ORDER BY id DESC LIMIT ?");
                                 query.bind(1, static_cast<std::int64_t>(limit));
                                 std::vector<Delivery> out;
                                 while (query.executeStep()) {
                                     out.push_back(read_delivery(query, m_db.path()));
                                 }
                                 return out;
                             });
}

void InboxStore::mark_processed(std::int64_t id, const std::string& outcome) {
    with_store_errors(
        [&] { return "mark delivery " + std::to_string(id) + " in " + m_db.path().string(); },
        [&] {
            SQLite::Statement update(
                m_db.handle(), "UPDATE inbox SET processed_at = ?1, outcome = ?2 WHERE id = ?3");
            update.bind(1, util::format_utc(util::now_seconds()));
            update.bind(2, outcome);
            update.bind(3, id);
            update.exec();
        });
}

bool InboxStore::record_done_event(const std::string& event_id, const std::string& identity) {
    return with_store_errors(
        [&] { return "record done event " + event_id + " in " + m_db.path().string(); },
        [&] {
            SQLite::Statement insert(m_db.handle(), R"sql(
INSERT INTO done_events (event_id, identity, processed_at) VALUES (?1, ?2, ?3)
ON CONFLICT (event_id) DO NOTHING
)sql");
            insert.bind(1, event_id);
            insert.bind(2, identity);
            insert.bind(3, util::format_utc(util::now_seconds()));
            return insert.exec() == 1;
        });
}

bool InboxStore::done_event_processed(const std::string& event_id) {
    return with_store_errors([&] { return "read done events in " + m_db.path().string(); },
                             [&] {
                                 SQLite::Statement query(
                                     m_db.handle(), "SELECT 1 FROM done_events WHERE event_id = ?");
                                 query.bind(1, event_id);
                                 return query.executeStep();
                             });
}

bool InboxStore::enqueue(const QueuedDispatch& dispatch) {
    return with_store_errors([&] { return "queue a dispatch in " + m_db.path().string(); },
                             [&] {
                                 SQLite::Statement insert(m_db.handle(), R"sql(
INSERT INTO dispatch_queue (forge, owner, repo, issue_number, agent, bottle, enqueued_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (forge, owner, repo, issue_number) DO NOTHING
)sql");
                                 insert.bind(1, dispatch.forge);
                                 insert.bind(2, dispatch.owner);
                                 insert.bind(3, dispatch.repo);
                                 insert.bind(4, dispatch.issue_number);
                                 insert.bind(5, dispatch.agent);
                                 bind_optional(insert, 6, dispatch.bottle);
                                 insert.bind(7, util::format_utc(util::now_seconds()));
                                 return insert.exec() == 1;
                             });
}

std::vector<QueuedDispatch> InboxStore::queued() {
    return with_store_errors([&] { return "read the dispatch queue in " + m_db.path().string(); },
                             [&] {
                                 SQLite::Statement query(
                                     m_db.handle(),
                                     "SELECT id, forge, owner, repo, issue_number, agent, bottle "
                                     "FROM dispatch_queue ORDER BY id");
                                 std::vector<QueuedDispatch> out;
                                 while (query.executeStep()) {
                                     QueuedDispatch d;
                                     d.id = query.getColumn(0).getInt64();
                                     d.forge = query.getColumn(1).getString();
                                     d.owner = query.getColumn(2).getString();
                                     d.repo = query.getColumn(3).getString();
                                     d.issue_number = query.getColumn(4).getInt64();
                                     d.agent = query.getColumn(5).getString();
                                     d.bottle = read_optional_text(query.getColumn(6));
                                     out.push_back(std::move(d));
                                 }
                                 return out;
                             });
}

void InboxStore::dequeue(std::int64_t id) {
    with_store_errors([&] { return "dequeue a dispatch in " + m_db.path().string(); },
                      [&] {
                          SQLite::Statement remove(m_db.handle(),
                                                   "DELETE FROM dispatch_queue WHERE id = ?");
                          remove.bind(1, id);
                          remove.exec();
                      });
}

} // namespace forgebot::store
