// The `{prompt}`, `{session}` and `{workspace}` placeholders of command-provider argv templates.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace forgebot::agent {

/// What the placeholders of a template stand for in one run.
struct PlaceholderValues {
    std::string_view prompt;
    std::string_view session;
    std::string_view workspace;
};

/// The names of the placeholders known: `prompt`, `session`, `workspace`.
const std::vector<std::string>& placeholder_names();

/// The `{word}` placeholders in `arg`, in order, where word is one or more of `a-z` and `_`,
/// known or not (`"--x={prompt}{oops}"` gives `prompt`, `oops`). Other braces are plain text.
std::vector<std::string> placeholders_in(std::string_view arg);

/// `arg` with every known placeholder replaced by its value, in one pass: a value is never
/// scanned again, so a prompt containing `{session}` stays as written. Unknown `{word}`s and
/// other text are kept as they are.
std::string expand_placeholders(std::string_view arg, const PlaceholderValues& values);

} // namespace forgebot::agent
