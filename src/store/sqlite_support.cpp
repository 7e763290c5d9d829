// SQLite error translation and column conversions shared by the stores.
#include "store/sqlite_support.hpp"

#include "util/error.hpp"
#include "util/time.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

namespace forgebot::store {

namespace {

/// How much of a bad stored value an error message quotes.
constexpr std::size_t k_quoted_value_limit = 60;

} // namespace

void throw_store_error(const SQLite::Exception& e, std::string_view action) {
    // Rationale: SQLiteCpp reports its own misuse with code -1; only SQLite's codes are mapped.
    const int primary = e.getErrorCode() & 0xff;
    const bool damaged = primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
    throw Error(damaged ? Errc::corrupt : Errc::io,
                "cannot " + std::string(action) + ": " + std::string(e.what()));
}

void throw_corrupt_row(std::string_view row, std::string_view column, std::string_view value,
                       const std::filesystem::path& file) {
    std::string quoted(value.substr(0, k_quoted_value_limit));
    if (value.size() > k_quoted_value_limit) {
        quoted += "...";
    }
    throw Error(Errc::corrupt, std::string(row) + " in " + file.string() + " has an unreadable " +
                                   std::string(column) + " (\"" + quoted + "\")");
}

std::string to_json_list(const std::vector<std::string>& names) {
    return nlohmann::json(names).dump();
}

std::optional<std::vector<std::string>> parse_json_list(std::string_view text) noexcept {
    try {
        const auto json = nlohmann::json::parse(text, nullptr, false);
        if (!json.is_array()) {
            return std::nullopt;
        }
        std::vector<std::string> names;
        names.reserve(json.size());
        for (const auto& item : json) {
            if (!item.is_string()) {
                return std::nullopt;
            }
            names.push_back(item.get<std::string>());
        }
        return names;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

void bind_optional(SQLite::Statement& statement, int index,
                   const std::optional<std::int64_t>& value) {
    if (value) {
        statement.bind(index, *value);
    } else {
        statement.bind(index);
    }
}

void bind_optional(SQLite::Statement& statement, int index, const std::optional<int>& value) {
    if (value) {
        statement.bind(index, *value);
    } else {
        statement.bind(index);
    }
}

void bind_optional(SQLite::Statement& statement, int index,
                   const std::optional<std::string>& value) {
    if (value) {
        statement.bind(index, *value);
    } else {
        statement.bind(index);
    }
}

void bind_optional(SQLite::Statement& statement, int index,
                   const std::optional<std::chrono::sys_seconds>& value) {
    if (value) {
        statement.bind(index, util::format_utc(*value));
    } else {
        statement.bind(index);
    }
}

std::optional<std::int64_t> read_optional_int64(const SQLite::Column& column) {
    if (column.isNull()) {
        return std::nullopt;
    }
    return column.getInt64();
}

std::optional<int> read_optional_int(const SQLite::Column& column) {
    if (column.isNull()) {
        return std::nullopt;
    }
    return column.getInt();
}

std::optional<std::string> read_optional_text(const SQLite::Column& column) {
    if (column.isNull()) {
        return std::nullopt;
    }
    return column.getString();
}

std::optional<std::chrono::sys_seconds> read_optional_time(const SQLite::Column& column,
                                                           std::string_view row,
                                                           const std::filesystem::path& file) {
    if (column.isNull()) {
        return std::nullopt;
    }
    return read_time(column, row, file);
}

std::chrono::sys_seconds read_time(const SQLite::Column& column, std::string_view row,
                                   const std::filesystem::path& file) {
    if (column.isNull()) {
        throw_corrupt_row(row, column.getName(), "NULL", file);
    }
    const std::string text = column.getString();
    const auto time = util::parse_utc(text);
    if (!time) {
        throw_corrupt_row(row, column.getName(), text, file);
    }
    return *time;
}

std::vector<std::string> read_json_list(const SQLite::Column& column, std::string_view row,
                                        const std::filesystem::path& file) {
    const std::string text = column.getString();
    auto names = parse_json_list(text);
    if (!names) {
        throw_corrupt_row(row, column.getName(), text, file);
    }
    return std::move(*names);
}

} // namespace forgebot::store
