// The forge tools' schemas and the argument check that runs before the sidecar is asked.
#include "mcp/tools.hpp"

#include <catch2/catch.hpp>
#include <set>

using forgebot::mcp::check_arguments;
using forgebot::mcp::find_tool;
using forgebot::mcp::forge_tools;
using nlohmann::json;

namespace {

/// What check_arguments says about `arguments` for the tool `name`.
std::string problem(const std::string& name, const json& arguments) {
    const auto* tool = find_tool(name);
    REQUIRE(tool != nullptr);
    return check_arguments(tool->input_schema, arguments).problem;
}

} // namespace

TEST_CASE("Every tool forwards to a sidecar method and describes itself for a model",
          "[mcp][tools]") {
    const std::set<std::string> methods{"read_issue",         "read_pr",     "read_comments",
                                        "post_comment",       "push_branch", "open_pr",
                                        "update_description", "signal_done"};
    std::set<std::string> seen;
    for (const auto& tool : forge_tools()) {
        INFO(tool.name);
        CHECK(tool.name == "forge_" + tool.method);
        CHECK(methods.count(tool.method) == 1);
        seen.insert(tool.method);
        CHECK_FALSE(tool.description.empty());
        CHECK(tool.description.find('\n') == std::string::npos);
        CHECK(tool.input_schema["type"] == "object");
        CHECK(tool.input_schema["additionalProperties"] == false);
        for (const auto& [name, property] : tool.input_schema["properties"].items()) {
            INFO(name);
            CHECK(property["description"].is_string());
            CHECK((property["type"] == "integer" || property["type"] == "string"));
        }
        for (const auto& required : tool.input_schema.value("required", json::array())) {
            CHECK(tool.input_schema["properties"].contains(required.get<std::string>()));
        }
        CHECK(tool.output_schema["type"] == "object");
        CHECK(tool.annotations["readOnlyHint"] == (tool.method.rfind("read_", 0) == 0));
        CHECK(find_tool(tool.name) == &tool);
    }
    CHECK(seen == methods);
    CHECK(find_tool("read_issue") == nullptr);
    CHECK(find_tool("") == nullptr);
}

TEST_CASE("Arguments that fit the schema pass unchanged", "[mcp][tools]") {
    const auto* tool = find_tool("forge_open_pr");
    REQUIRE(tool != nullptr);
    const json arguments = {{"title", "Fix"}, {"body", "Fixes #17"}};
    const auto checked = check_arguments(tool->input_schema, arguments);
    CHECK(checked.problem.empty());
    CHECK(checked.params == arguments);
    CHECK(problem("forge_push_branch", json::object()).empty());
    CHECK(problem("forge_signal_done", {{"status", "failure"}, {"summary", ""}}).empty());
}

TEST_CASE("A whole float counts as an integer and is sent as one", "[mcp][tools]") {
    const auto* tool = find_tool("forge_read_pr");
    REQUIRE(tool != nullptr);
    const auto checked = check_arguments(tool->input_schema, {{"number", 42.0}});
    CHECK(checked.problem.empty());
    CHECK(checked.params["number"].is_number_integer());
    CHECK(checked.params["number"] == 42);
}

TEST_CASE("Each kind of bad argument is named for the model to fix", "[mcp][tools]") {
    CHECK(problem("forge_read_issue", json::object()) == "'number' is required");
    CHECK(problem("forge_read_issue", {{"number", "17"}}) ==
          "'number' must be an integer, not a string");
    CHECK(problem("forge_read_issue", {{"number", 1.5}}) ==
          "'number' must be an integer, not a fractional number");
    CHECK(problem("forge_read_issue", {{"number", true}}) ==
          "'number' must be an integer, not a boolean");
    CHECK(problem("forge_read_issue", {{"number", nullptr}}) ==
          "'number' must be an integer, not null");
    CHECK(problem("forge_read_issue", {{"number", 0}}) == "'number' must be at least 1");
    CHECK(problem("forge_read_issue", {{"number", -3}}) == "'number' must be at least 1");
    CHECK(problem("forge_read_issue", {{"number", 18446744073709551615ULL}}) ==
          "'number' is out of range");
    CHECK(problem("forge_read_issue", {{"number", 1e300}}) ==
          "'number' must be an integer, not a fractional number");
    CHECK(problem("forge_post_comment", {{"number", 17}}) == "'body' is required");
    CHECK(problem("forge_post_comment", {{"number", 17}, {"body", json::array({"a"})}}) ==
          "'body' must be a string, not an array");
    CHECK(problem("forge_read_issue", {{"number", 17}, {"nuber", 18}}) ==
          "unknown argument 'nuber' (it takes number)");
    CHECK(problem("forge_push_branch", {{"force", true}}) ==
          "unknown argument 'force' (this tool takes none)");
    CHECK(problem("forge_signal_done", {{"status", "Success"}, {"summary", "x"}}) ==
          "'status' must be one of success, failure, needs_human");
    const auto* tool = find_tool("forge_read_issue");
    CHECK(check_arguments(tool->input_schema, json::array()).problem ==
          "the arguments must be an object, not an array");
    CHECK(check_arguments(tool->input_schema, {{"number", "x"}}).params == json::object());
}
