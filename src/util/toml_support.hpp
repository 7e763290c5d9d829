// Parsing TOML with toml++ and wording its errors as `FILE:LINE: key 'KEY': PROBLEM`.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

namespace forgebot::util {

/// Parses `text`, read from the file shown as `display`. Throws Error{Errc::invalid_input}
/// `DISPLAY:LINE:COLUMN: invalid TOML: DESCRIPTION` when it is not TOML.
toml::table parse_toml(std::string_view text, const std::string& display);

/// How a TOML value reads in "got ..." phrases: the value itself for strings (quoted), integers
/// and booleans; its kind otherwise ("a table", "an array", "a float", "a date or time").
std::string describe_toml(const toml::node& node);

/// Throws Error{Errc::invalid_input} `DISPLAY:LINE: key 'KEY': PROBLEM`, LINE being where
/// `where` begins.
[[noreturn]] void fail_toml_key(const std::string& display, const toml::source_region& where,
                                std::string_view key, const std::string& problem);

/// Throws Error{Errc::invalid_input} `DISPLAY:LINE: unknown key 'KEY'CONTEXT`, adding
/// ` (did you mean 'K'?)` when one of `known` is a likely intended spelling. `context` is
/// appended to the key as written (" in [[forges]]"), or empty.
[[noreturn]] void fail_unknown_toml_key(const std::string& display, const toml::key& key,
                                        const std::vector<std::string>& known,
                                        std::string_view context = {});

/// The text of `node`, the value of `key`. Throws Error{Errc::invalid_input} (as fail_toml_key)
/// `expected a non-empty string, got ...` when it is not a string or is empty.
std::string toml_non_empty_string(const std::string& display, std::string_view key,
                                  const toml::node& node);

/// The strings of the array `node`, the value of `key`. Throws Error{Errc::invalid_input} (as
/// fail_toml_key) `expected an array of strings, got ...` naming the offending element's line.
std::vector<std::string> toml_string_array(const std::string& display, std::string_view key,
                                           const toml::node& node);

/// The positive duration `node` holds, the value of `key`: a string parse_duration reads
/// (`"30m"`, `"1h30m"`) or an integer of seconds. Throws Error{Errc::invalid_input} (as
/// fail_toml_key) `expected a duration like "30m", got ...` otherwise.
std::chrono::seconds toml_duration(const std::string& display, std::string_view key,
                                   const toml::node& node);

} // namespace forgebot::util
