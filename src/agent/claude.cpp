// Claude Code: print-mode argv and the `--output-format stream-json` parser.
#include "agent/json_stream.hpp"
#include "agent/provider.hpp"

namespace forgebot::agent {

namespace {

using nlohmann::json;

/// The `usage` object of a claude result, when there is one.
std::optional<TokenUsage> read_usage(const json& line) {
    const json* usage = field(line, "usage");
    if (usage == nullptr || !usage->is_object()) {
        return std::nullopt;
    }
    TokenUsage out;
    out.input_tokens = integer_field(*usage, "input_tokens").value_or(0);
    out.cached_input_tokens = integer_field(*usage, "cache_read_input_tokens").value_or(0);
    out.cache_creation_input_tokens =
        integer_field(*usage, "cache_creation_input_tokens").value_or(0);
    out.output_tokens = integer_field(*usage, "output_tokens").value_or(0);
    return out;
}

/// The text of a failed result's `errors` array, joined with "; ".
std::string joined_errors(const json& line) {
    std::string out;
    const json* errors = field(line, "errors");
    if (errors == nullptr || !errors->is_array()) {
        return out;
    }
    for (const auto& error : *errors) {
        if (!out.empty()) {
            out += "; ";
        }
        out += summarize(error);
    }
    return out;
}

class ClaudeParser final : public JsonLinesParser {
protected:
    void parse_event(const json& event, std::string_view line,
                     std::vector<AgentEvent>& events) override {
        const std::string type = string_field(event, "type");
        record_session(string_field(event, "session_id"), events);
        if (type == "system" && string_field(event, "subtype") == "init") {
            return; // the session id, recorded above, is all forgebot needs from it
        }
        if (type == "assistant") {
            assistant(event, events);
        } else if (type == "user") {
            user(event, events);
        } else if (type == "result") {
            result(event, events);
        } else {
            events.emplace_back(UnknownEvent{std::string(line)});
        }
    }

private:
    static const json* content_of(const json& event) {
        const json* message = field(event, "message");
        const json* content = message != nullptr ? field(*message, "content") : nullptr;
        return content != nullptr && content->is_array() ? content : nullptr;
    }

    static void assistant(const json& event, std::vector<AgentEvent>& events) {
        const json* content = content_of(event);
        if (content == nullptr) {
            return;
        }
        for (const auto& block : *content) {
            const std::string type = string_field(block, "type");
            if (type == "text") {
                events.emplace_back(TextEvent{string_field(block, "text"), false});
            } else if (type == "thinking") {
                events.emplace_back(TextEvent{string_field(block, "thinking"), true});
            } else if (type == "tool_use") {
                const json* input = field(block, "input");
                events.emplace_back(ToolUseEvent{string_field(block, "id"),
                                                 string_field(block, "name"),
                                                 input != nullptr ? summarize(*input) : ""});
            }
        }
    }

    static void user(const json& event, std::vector<AgentEvent>& events) {
        const json* content = content_of(event);
        if (content == nullptr) {
            return; // a plain user prompt echoed back
        }
        for (const auto& block : *content) {
            if (string_field(block, "type") != "tool_result") {
                continue;
            }
            const json* output = field(block, "content");
            events.emplace_back(ToolResultEvent{string_field(block, "tool_use_id"),
                                                output != nullptr ? summarize(*output) : "",
                                                bool_field(block, "is_error").value_or(false)});
        }
    }

    void result(const json& event, std::vector<AgentEvent>& events) {
        const std::string subtype = string_field(event, "subtype");
        const bool success = !bool_field(event, "is_error").value_or(false) &&
                             (subtype.empty() || subtype == "success");
        RunSummary& summary = mutable_summary();
        summary.result = string_field(event, "result");
        if (summary.result.empty() && !success) {
            summary.result = joined_errors(event);
            if (summary.result.empty()) {
                summary.result = subtype;
            }
        }
        summary.cost_usd = number_field(event, "total_cost_usd");
        if (!summary.cost_usd) {
            summary.cost_usd = number_field(event, "cost_usd"); // older CLIs
        }
        summary.num_turns = integer_field(event, "num_turns");
        summary.duration_ms = integer_field(event, "duration_ms");
        summary.usage = read_usage(event);
        mark_complete(!success);
        events.emplace_back(ResultEvent{success, summary});
    }
};

class ClaudeProvider final : public Provider {
public:
    ProviderKind kind() const noexcept override { return ProviderKind::claude; }

    std::vector<std::string> start_argv(const RunRequest& request) const override {
        return argv(request, std::nullopt);
    }

    std::vector<std::string> resume_argv(const RunRequest& request,
                                         std::string_view session_id) const override {
        return argv(request, session_id);
    }

    std::unique_ptr<StreamParser> parser() const override {
        return std::make_unique<ClaudeParser>();
    }

private:
    static std::vector<std::string> argv(const RunRequest& request,
                                         std::optional<std::string_view> session_id) {
        std::vector<std::string> out{"claude"};
        if (!request.interactive) {
            out.insert(out.end(), {"-p", "--output-format", "stream-json", "--verbose"});
        }
        if (session_id) {
            out.push_back("--resume=" + std::string(*session_id));
        } else if (request.session_id) {
            out.push_back("--session-id=" + *request.session_id);
        }
        if (request.model) {
            out.insert(out.end(), {"--model", *request.model});
        }
        if (!request.allowed_tools.empty()) {
            std::string tools;
            for (const auto& tool : request.allowed_tools) {
                tools += (tools.empty() ? "" : ",") + tool;
            }
            out.insert(out.end(), {"--allowedTools", tools});
        }
        if (request.mcp_config) {
            out.insert(out.end(), {"--mcp-config", request.mcp_config->string()});
        }
        out.insert(out.end(), {"--permission-mode", "acceptEdits"});
        out.insert(out.end(), request.extra_args.begin(), request.extra_args.end());
        if (!request.interactive || !request.prompt.empty()) {
            out.insert(out.end(), {"--", request.prompt});
        }
        return out;
    }
};

} // namespace

std::unique_ptr<Provider> make_claude_provider() {
    return std::make_unique<ClaudeProvider>();
}

} // namespace forgebot::agent
