// The MCP tools `forgebot mcp` offers: one per sidecar method, with the JSON Schemas a model
// reads and the argument check that runs before anything reaches the sidecar.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

namespace forgebot::mcp {

/// One tool: its MCP name, the sidecar method it forwards to, and how it is described.
struct Tool {
    std::string name;        ///< `forge_read_issue`, ...
    std::string method;      ///< the sidecar method: `read_issue`, ...
    std::string title;       ///< a short human-readable name
    std::string description; ///< one line, written for a model
    nlohmann::json input_schema;
    nlohmann::json output_schema; ///< what structuredContent holds
    /// When not empty, the sidecar's result (not an object) is wrapped as `{KEY: result}` for
    /// structuredContent, which must be an object.
    std::string result_key;
    nlohmann::json annotations; ///< MCP ToolAnnotations hints
};

/// Every tool, in the order `tools/list` gives them.
std::span<const Tool> forge_tools();

/// The tool called `name`, or nullptr.
const Tool* find_tool(std::string_view name);

/// The outcome of checking a tool's arguments.
struct CheckedArguments {
    nlohmann::json params; ///< the params to send the sidecar (valid when `problem` is empty)
    std::string problem;   ///< what is wrong, for a model to fix, e.g. "'number' is required"
};

/// Checks `arguments` (an object) against an input schema of the subset the tools use: an object
/// with `properties` of type integer or string, `required`, `additionalProperties: false`,
/// `minimum` and `enum`. A float with no fractional part counts as an integer (as
/// JSON Schema says) and is sent as one. Never throws.
CheckedArguments check_arguments(const nlohmann::json& schema, const nlohmann::json& arguments);

} // namespace forgebot::mcp
