// Helpers the stores in this folder share: SQLite error translation, nullable columns, JSON lists.
#pragma once

#include <SQLiteCpp/Exception.h>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace SQLite {
class Column;
class Statement;
} // namespace SQLite

namespace forgebot::store {

/// Throws the Error that `e` means while trying to `action` (a phrase naming the file, such as
/// `"save forge state for o/r#1 in /x/forgebot.db"`): Errc::corrupt when SQLite found the file
/// damaged or not a database, Errc::io otherwise. The message reads `cannot ACTION: REASON`.
[[noreturn]] void throw_store_error(const SQLite::Exception& e, std::string_view action);

/// Throws Error{Errc::corrupt} saying that `row` (such as `"forge_state row o/r#1"`) in `file`
/// holds an unreadable `column` value.
[[noreturn]] void throw_corrupt_row(std::string_view row, std::string_view column,
                                    std::string_view value, const std::filesystem::path& file);

/// Runs `body`, translating a SQLite::Exception it throws with throw_store_error(`action`).
/// Rationale: `action` is a callable so the message is only built on failure.
template <typename Body, typename Action>
auto with_store_errors(Action&& action, Body&& body) -> decltype(body()) {
    try {
        return std::forward<Body>(body)();
    } catch (const SQLite::Exception& e) {
        throw_store_error(e, std::forward<Action>(action)());
    }
}

/// `names` as a JSON array of strings, order preserved.
std::string to_json_list(const std::vector<std::string>& names);

/// The strings of a JSON array of strings; std::nullopt for any other text.
std::optional<std::vector<std::string>> parse_json_list(std::string_view text) noexcept;

/// Binds `value`, or NULL when it is empty.
void bind_optional(SQLite::Statement& statement, int index,
                   const std::optional<std::int64_t>& value);

/// Binds `value`, or NULL when it is empty.
void bind_optional(SQLite::Statement& statement, int index, const std::optional<int>& value);

/// Binds `value`, or NULL when it is empty.
void bind_optional(SQLite::Statement& statement, int index,
                   const std::optional<std::string>& value);

/// Binds `value` as RFC 3339 UTC text, or NULL when it is empty.
void bind_optional(SQLite::Statement& statement, int index,
                   const std::optional<std::chrono::sys_seconds>& value);

/// The column's integer, or std::nullopt for NULL.
std::optional<std::int64_t> read_optional_int64(const SQLite::Column& column);

/// The column's integer, or std::nullopt for NULL.
std::optional<int> read_optional_int(const SQLite::Column& column);

/// The column's text, or std::nullopt for NULL.
std::optional<std::string> read_optional_text(const SQLite::Column& column);

/// The column's RFC 3339 time, or std::nullopt for NULL. Throws Error{Errc::corrupt} naming
/// `row` and `file` when the text is not a time.
std::optional<std::chrono::sys_seconds> read_optional_time(const SQLite::Column& column,
                                                           std::string_view row,
                                                           const std::filesystem::path& file);

/// The column's RFC 3339 time. Throws Error{Errc::corrupt} naming `row` and `file` when the
/// value is NULL or not a time.
std::chrono::sys_seconds read_time(const SQLite::Column& column, std::string_view row,
                                   const std::filesystem::path& file);

/// The column's JSON array of strings. Throws Error{Errc::corrupt} naming `row` and `file`
/// when it is anything else.
std::vector<std::string> read_json_list(const SQLite::Column& column, std::string_view row,
                                        const std::filesystem::path& file);

} // namespace forgebot::store
