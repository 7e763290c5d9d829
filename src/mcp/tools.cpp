// The forge tools' table, their schemas and the argument check.
#include "mcp/tools.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace forgebot::mcp {

namespace {

using nlohmann::json;

json number_param(const char* description) {
    return {{"type", "integer"}, {"minimum", 1}, {"description", description}};
}

json string_param(const char* description) {
    return {{"type", "string"}, {"description", description}};
}

/// An object schema; input schemas refuse unknown properties, so a model hears of a misspelling.
json object_schema(json properties, std::vector<std::string> required, bool closed) {
    json schema = {{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty()) {
        schema["required"] = std::move(required);
    }
    if (closed) {
        schema["additionalProperties"] = false;
    }
    return schema;
}

json input(json properties, std::vector<std::string> required) {
    return object_schema(std::move(properties), std::move(required), true);
}

json output(json properties) {
    std::vector<std::string> required;
    for (const auto& [key, value] : properties.items()) {
        required.push_back(key);
    }
    return object_schema(std::move(properties), std::move(required), false);
}

json hints(bool read_only, bool destructive, bool idempotent) {
    json out = {{"readOnlyHint", read_only}, {"openWorldHint", true}};
    if (!read_only) {
        out["destructiveHint"] = destructive;
        out["idempotentHint"] = idempotent;
    }
    return out;
}

std::vector<Tool> make_tools() {
    const json issue_number = number_param("The issue number, e.g. 17 for #17.");
    const json any_number =
        number_param("The number of the issue or pull request (they share one sequence).");
    const json writable_number = number_param(
        "The number of the assigned issue or of one of its pull requests; other numbers are "
        "refused.");
    const json issue_fields = {{"number", {{"type", "integer"}}},
                               {"title", {{"type", "string"}}},
                               {"body", {{"type", "string"}}},
                               {"state", {{"type", "string"}, {"description", "open or closed"}}}};
    json pr_fields = issue_fields;
    pr_fields["merged"] = {{"type", "boolean"}};
    pr_fields["head_branch"] = {{"type", "string"}};
    pr_fields["base_branch"] = {{"type", "string"}};
    pr_fields["url"] = {{"type", "string"}, {"description", "the pull request's web page"}};
    const json comment = output({{"id", {{"type", "integer"}}},
                                 {"user", {{"type", "string"}, {"description", "the author"}}},
                                 {"body", {{"type", "string"}}}});
    const json ok = {{"ok", {{"type", "boolean"}}}};

    std::vector<Tool> tools;
    tools.push_back({"forge_read_issue", "read_issue", "Read an issue",
                     "Read an issue of this repository: its title, body and state.",
                     input({{"number", issue_number}}, {"number"}), output(issue_fields), "",
                     hints(true, false, true)});
    tools.push_back(
        {"forge_read_pr", "read_pr", "Read a pull request",
         "Read a pull request of this repository: title, body, state, whether it is "
         "merged, its branches and its web URL.",
         input({{"number", number_param("The pull request number, e.g. 42.")}}, {"number"}),
         output(pr_fields), "", hints(true, false, true)});
    tools.push_back({"forge_read_comments", "read_comments", "Read comments",
                     "Read the comments on an issue or pull request, oldest first.",
                     input({{"number", any_number}}, {"number"}),
                     output({{"comments", {{"type", "array"}, {"items", comment}}}}), "comments",
                     hints(true, false, true)});
    tools.push_back(
        {"forge_post_comment", "post_comment", "Post a comment",
         "Post a comment on the assigned issue or one of its pull requests.",
         input({{"number", writable_number}, {"body", string_param("The comment, in Markdown.")}},
               {"number", "body"}),
         output(ok), "", hints(false, false, false)});
    tools.push_back(
        {"forge_update_description", "update_description", "Update a description",
         "Replace the description of the assigned issue or of one of its pull requests.",
         input({{"number", writable_number},
                {"body", string_param("The new description, in Markdown; it replaces the old one "
                                      "entirely.")}},
               {"number", "body"}),
         output(ok), "", hints(false, true, true)});
    json pushed = ok;
    pushed["branch"] = {{"type", "string"}};
    pushed["commit"] = {{"type", "string"}, {"description", "the commit pushed"}};
    tools.push_back({"forge_push_branch", "push_branch", "Push the branch",
                     "Push the commits of your current branch to the forge (never forced); "
                     "commit your work first.",
                     input(json::object(), {}), output(pushed), "", hints(false, false, true)});
    tools.push_back(
        {"forge_open_pr", "open_pr", "Open a pull request",
         "Open a pull request from your branch once it is pushed with forge_push_branch.",
         input({{"title", string_param("The pull request's title.")},
                {"body", string_param("What the change does and why, in Markdown; say which "
                                      "issue it fixes (e.g. Fixes #17).")},
                {"base", string_param("The branch to merge into; default: the repository's "
                                      "default branch.")}},
               {"title", "body"}),
         output({{"number", {{"type", "integer"}}},
                 {"url", {{"type", "string"}, {"description", "the pull request's web page"}}}}),
         "", hints(false, false, false)});
    json status = string_param("success when the work is done, failure when you cannot finish "
                               "it, needs_human when a person must decide.");
    status["enum"] = {"success", "failure", "needs_human"};
    json event = ok;
    event["event_id"] = {{"type", "string"}};
    tools.push_back(
        {"forge_signal_done", "signal_done", "Signal done",
         "Tell the orchestrator this unit of work is finished, and how it ended.",
         input({{"status", status},
                {"summary", string_param("One or two sentences: what was done, or what blocks "
                                         "you.")}},
               {"status", "summary"}),
         output(event), "", hints(false, false, false)});
    return tools;
}

std::string type_name(const json& value) {
    switch (value.type()) {
    case json::value_t::null:
        return "null";
    case json::value_t::boolean:
        return "a boolean";
    case json::value_t::string:
        return "a string";
    case json::value_t::array:
        return "an array";
    case json::value_t::object:
        return "an object";
    case json::value_t::number_float:
        return "a fractional number";
    default:
        return "a number";
    }
}

/// `value` as an integer when it is one (a whole float too), else nullopt.
std::optional<json> as_integer(const json& value) {
    if (value.is_number_integer()) {
        return value;
    }
    if (value.is_number_float()) {
        const double d = value.get<double>();
        // Rationale: beyond 2^53 a double no longer holds every whole number exactly.
        constexpr double k_exact = 9007199254740992.0;
        if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= k_exact) {
            return json(static_cast<std::int64_t>(d));
        }
    }
    return std::nullopt;
}

/// What is wrong with `value` as property `name` of `schema`, or "" after setting `checked` to
/// the value to send. Rationale: only a scalar that passed is copied, as copying a deeply nested
/// value would recurse as deep as a client cares to nest.
std::string property_problem(const std::string& name, const json& schema, const json& value,
                             json& checked) {
    const std::string quoted = "'" + name + "'";
    const std::string type = schema.value("type", "");
    if (type == "integer") {
        const auto integer = as_integer(value);
        if (!integer) {
            return quoted + " must be an integer, not " + type_name(value);
        }
        if (integer->is_number_unsigned() &&
            integer->get<std::uint64_t>() >
                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return quoted + " is out of range";
        }
        if (const auto minimum = schema.find("minimum");
            minimum != schema.end() &&
            integer->get<std::int64_t>() < minimum->get<std::int64_t>()) {
            return quoted + " must be at least " + minimum->dump();
        }
        checked = *integer;
    } else if (type == "string") {
        if (!value.is_string()) {
            return quoted + " must be a string, not " + type_name(value);
        }
        checked = value;
    } else {
        assert(false && "a tool property of a type check_arguments does not know");
        return quoted + " cannot be checked";
    }
    if (const auto allowed = schema.find("enum");
        allowed != schema.end() &&
        std::find(allowed->begin(), allowed->end(), checked) == allowed->end()) {
        std::string list;
        for (const auto& option : *allowed) {
            list += (list.empty() ? "" : ", ") + option.get<std::string>();
        }
        return quoted + " must be one of " + list;
    }
    return {};
}

} // namespace

std::span<const Tool> forge_tools() {
    static const std::vector<Tool> tools = make_tools();
    return tools;
}

const Tool* find_tool(std::string_view name) {
    for (const auto& tool : forge_tools()) {
        if (tool.name == name) {
            return &tool;
        }
    }
    return nullptr;
}

CheckedArguments check_arguments(const json& schema, const json& arguments) {
    CheckedArguments out{json::object(), {}};
    if (!arguments.is_object()) {
        out.problem = "the arguments must be an object, not " + type_name(arguments);
        return out;
    }
    const json& properties = schema.at("properties");
    for (const auto& name : schema.value("required", json::array())) {
        if (!arguments.contains(name.get<std::string>())) {
            out.problem = "'" + name.get<std::string>() + "' is required";
            return out;
        }
    }
    for (const auto& [name, value] : arguments.items()) {
        const auto property = properties.find(name);
        if (property == properties.end()) {
            std::string known;
            for (const auto& [key, unused] : properties.items()) {
                known += (known.empty() ? "" : ", ") + key;
            }
            out.problem = "unknown argument '" + name + "'" +
                          (known.empty() ? " (this tool takes none)" : " (it takes " + known + ")");
            return out;
        }
        json checked;
        out.problem = property_problem(name, *property, value, checked);
        if (!out.problem.empty()) {
            out.params = json::object();
            return out;
        }
        out.params[name] = std::move(checked);
    }
    return out;
}

} // namespace forgebot::mcp
