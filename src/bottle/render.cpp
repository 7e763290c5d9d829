// Rendering agent events for people: one short line per event.
#include "bottle/render.hpp"

#include <cstdio>

namespace forgebot::bottle {

namespace {

constexpr std::size_t k_max_text = 2000;
constexpr std::size_t k_max_tool = 200;

std::string cut(std::string text, std::size_t max) {
    if (text.size() > max) {
        text.resize(max);
        text += "...";
    }
    return text;
}

/// `text` with each line after the first indented by two spaces, trailing newlines dropped.
std::string indent(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    std::string out;
    for (const char c : text) {
        out.push_back(c);
        if (c == '\n') {
            out += "  ";
        }
    }
    return out;
}

std::string one_line(std::string text) {
    for (auto& c : text) {
        if (c == '\n' || c == '\r' || c == '\t') {
            c = ' ';
        }
    }
    return text;
}

template <class... Ts> struct overloaded : Ts... { using Ts::operator()...; };
template <class... Ts> overloaded(Ts...) -> overloaded<Ts...>;

} // namespace

std::string format_cost(double usd) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "$%.4f", usd);
    return buf;
}

std::string describe_summary(const agent::RunSummary& summary) {
    std::string out;
    auto add = [&out](const std::string& part) {
        out += (out.empty() ? "" : ", ") + part;
    };
    if (summary.cost_usd) {
        add(format_cost(*summary.cost_usd));
    }
    if (summary.num_turns) {
        add(std::to_string(*summary.num_turns) + (*summary.num_turns == 1 ? " turn" : " turns"));
    }
    if (summary.duration_ms) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(*summary.duration_ms) / 1000);
        add(buf);
    }
    if (summary.usage) {
        add(std::to_string(summary.usage->input_tokens) + " in / " +
            std::to_string(summary.usage->output_tokens) + " out tokens");
    }
    return out;
}

std::optional<std::string> render_event(const agent::AgentEvent& event) {
    return std::visit(
        overloaded{
            [](const agent::SessionEvent& e) -> std::optional<std::string> {
                return "session " + e.id;
            },
            [](const agent::TextEvent& e) -> std::optional<std::string> {
                if (e.text.empty()) {
                    return std::nullopt;
                }
                return (e.reasoning ? "thinking: " : "") + indent(cut(e.text, k_max_text));
            },
            [](const agent::ToolUseEvent& e) -> std::optional<std::string> {
                return "tool " + e.name + " " + one_line(cut(e.input, k_max_tool));
            },
            [](const agent::ToolResultEvent& e) -> std::optional<std::string> {
                return std::string(e.is_error ? "  tool error: " : "  => ") +
                       one_line(cut(e.output, k_max_tool));
            },
            [](const agent::ResultEvent& e) -> std::optional<std::string> {
                const auto details = describe_summary(e.summary);
                return std::string(e.success ? "result: success" : "result: failed") +
                       (details.empty() ? "" : " (" + details + ")");
            },
            [](const agent::ErrorEvent& e) -> std::optional<std::string> {
                return "error: " + one_line(cut(e.message, k_max_text));
            },
            [](const agent::UnknownEvent&) -> std::optional<std::string> { return std::nullopt; },
            [](const agent::MalformedEvent& e) -> std::optional<std::string> {
                return "unreadable output line (" + e.reason +
                       "): " + one_line(cut(e.raw, k_max_tool));
            },
        },
        event);
}

} // namespace forgebot::bottle
