// Codex CLI: `codex exec --json` argv and its JSONL event parser.
#include "agent/json_stream.hpp"
#include "agent/provider.hpp"

#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace forgebot::agent {

namespace {

using nlohmann::json;

/// A one-line description of what a tool-like item does, for ToolUseEvent::input.
std::string item_input(const json& item, const std::string& type) {
    if (type == "command_execution") {
        return truncate_utf8(string_field(item, "command"));
    }
    if (type == "file_change") {
        std::string out;
        if (const json* changes = field(item, "changes");
            changes != nullptr && changes->is_array()) {
            for (const auto& change : *changes) {
                out += (out.empty() ? "" : "; ") + string_field(change, "kind") + " " +
                       string_field(change, "path");
            }
        }
        return truncate_utf8(out);
    }
    if (type == "mcp_tool_call") {
        const json* arguments = field(item, "arguments");
        return string_field(item, "server") + "." + string_field(item, "tool") + " " +
               (arguments != nullptr ? summarize(*arguments) : "");
    }
    if (type == "web_search") {
        return truncate_utf8(string_field(item, "query"));
    }
    return {};
}

/// A one-line description of a finished tool-like item's outcome, for ToolResultEvent::output.
std::string item_output(const json& item, const std::string& type) {
    if (type == "command_execution") {
        return truncate_utf8(string_field(item, "aggregated_output"));
    }
    if (type == "mcp_tool_call") {
        if (const json* error = field(item, "error"); error != nullptr && !error->is_null()) {
            return summarize(*error);
        }
        const json* result = field(item, "result");
        return result != nullptr && !result->is_null() ? summarize(*result) : "";
    }
    return string_field(item, "status");
}

bool item_failed(const json& item) {
    const std::string status = string_field(item, "status");
    if (status == "failed" || status == "declined") {
        return true;
    }
    const auto exit_code = integer_field(item, "exit_code");
    if (exit_code && *exit_code != 0) {
        return true;
    }
    const json* error = field(item, "error");
    return error != nullptr && !error->is_null();
}

/// `value` (a string or an array) written as a TOML value, quoted and escaped by toml++.
template <typename Value> std::string toml_text(const Value& value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

bool is_tool_item(const std::string& type) {
    return type == "command_execution" || type == "file_change" || type == "mcp_tool_call" ||
           type == "web_search";
}

class CodexParser final : public JsonLinesParser {
protected:
    void parse_event(const json& event, std::string_view line,
                     std::vector<AgentEvent>& events) override {
        const std::string type = string_field(event, "type");
        if (type == "thread.started") {
            record_session(string_field(event, "thread_id"), events);
        } else if (type == "turn.started" || type == "item.updated") {
            // Nothing to report: progress shows in the item.started/completed that follow.
        } else if (type == "item.started" || type == "item.completed") {
            const json* item = field(event, "item");
            if (item == nullptr || !item->is_object() ||
                !this->item(*item, type == "item.completed", events)) {
                events.emplace_back(UnknownEvent{std::string(line)});
            }
        } else if (type == "turn.completed") {
            turn_completed(event, events);
        } else if (type == "turn.failed") {
            const json* error = field(event, "error");
            std::string message = error != nullptr ? string_field(*error, "message") : "";
            if (message.empty()) {
                message = "turn failed";
            }
            fail(message, events);
        } else if (type == "error") {
            m_last_error = string_field(event, "message");
            events.emplace_back(ErrorEvent{m_last_error});
            set_failed(true);
        } else {
            events.emplace_back(UnknownEvent{std::string(line)});
        }
    }

    void end_of_stream(std::vector<AgentEvent>& events) override {
        if (failed() && !complete()) {
            fail(m_last_error.empty() ? "codex reported an error" : m_last_error, events);
        }
    }

private:
    /// Handles an item; false when its type is not one this parser models.
    bool item(const json& item, bool completed, std::vector<AgentEvent>& events) {
        const std::string type = string_field(item, "type");
        const std::string id = string_field(item, "id");
        if (type == "agent_message" || type == "reasoning") {
            if (completed) {
                const std::string text = string_field(item, "text");
                events.emplace_back(TextEvent{text, type == "reasoning"});
                if (type == "agent_message") {
                    m_last_message = text;
                }
            }
            return true;
        }
        if (type == "error") {
            if (completed) {
                events.emplace_back(ErrorEvent{string_field(item, "message")});
            }
            return true;
        }
        if (!is_tool_item(type)) {
            return false;
        }
        if (!m_started.contains(id)) {
            m_started.insert(id);
            events.emplace_back(ToolUseEvent{id, type, item_input(item, type)});
        }
        if (completed) {
            events.emplace_back(ToolResultEvent{id, item_output(item, type), item_failed(item)});
        }
        return true;
    }

    void turn_completed(const json& event, std::vector<AgentEvent>& events) {
        RunSummary& summary = mutable_summary();
        summary.result = m_last_message;
        if (const json* usage = field(event, "usage"); usage != nullptr && usage->is_object()) {
            TokenUsage total = summary.usage.value_or(TokenUsage{});
            total.input_tokens += integer_field(*usage, "input_tokens").value_or(0);
            total.cached_input_tokens += integer_field(*usage, "cached_input_tokens").value_or(0);
            total.output_tokens += integer_field(*usage, "output_tokens").value_or(0);
            summary.usage = total;
        }
        mark_complete(false);
        events.emplace_back(ResultEvent{true, summary});
    }

    void fail(const std::string& message, std::vector<AgentEvent>& events) {
        events.emplace_back(ErrorEvent{message});
        mutable_summary().result = message;
        mark_complete(true);
        events.emplace_back(ResultEvent{false, summary()});
    }

    std::set<std::string> m_started; ///< ids of tool items already reported as ToolUseEvent
    std::string m_last_message;
    std::string m_last_error;
};

class CodexProvider final : public Provider {
public:
    ProviderKind kind() const noexcept override { return ProviderKind::codex; }

    std::vector<std::string> start_argv(const RunRequest& request) const override {
        auto out = exec_flags(request);
        if (!request.interactive || !request.prompt.empty()) {
            out.insert(out.end(), {"--", request.prompt});
        }
        return out;
    }

    std::vector<std::string> resume_argv(const RunRequest& request,
                                         std::string_view session_id) const override {
        auto out = exec_flags(request);
        out.insert(out.end(), {"resume", "--", std::string(session_id)});
        if (!request.interactive || !request.prompt.empty()) {
            out.push_back(request.prompt);
        }
        return out;
    }

    std::unique_ptr<StreamParser> parser() const override {
        return std::make_unique<CodexParser>();
    }

private:
    static std::vector<std::string> exec_flags(const RunRequest& request) {
        std::vector<std::string> out{"codex"};
        if (!request.interactive) {
            out.insert(out.end(), {"exec", "--json"});
        }
        out.insert(out.end(), {"--sandbox", "workspace-write"});
        if (request.model) {
            out.insert(out.end(), {"--model", *request.model});
        }
        for (const auto& server : request.mcp_servers) {
            const std::string key = "mcp_servers." + server.name + ".";
            toml::array args;
            for (const auto& arg : server.args) {
                args.push_back(arg);
            }
            // Rationale: a tool call may wait on the forge (a push, a PR) for longer than
            // codex's default of 60 s; the bridge itself gives the sidecar 300 s.
            out.insert(out.end(),
                       {"-c",
                        key + "command=" + toml_text(toml::value<std::string>(server.command)),
                        "-c", key + "args=" + toml_text(args), "-c", key + "tool_timeout_sec=300"});
        }
        out.insert(out.end(), request.extra_args.begin(), request.extra_args.end());
        return out;
    }
};

} // namespace

std::unique_ptr<Provider> make_codex_provider() {
    return std::make_unique<CodexProvider>();
}

} // namespace forgebot::agent
