// The stream parser's line splitting and state, and choosing a provider from a manifest.
#include "agent/provider.hpp"

#include <cassert>

namespace forgebot::agent {

EventKind kind_of(const AgentEvent& event) noexcept {
    return static_cast<EventKind>(event.index());
}

std::string_view event_kind_name(EventKind kind) noexcept {
    switch (kind) {
    case EventKind::session:
        return "session";
    case EventKind::text:
        return "text";
    case EventKind::tool_use:
        return "tool_use";
    case EventKind::tool_result:
        return "tool_result";
    case EventKind::result:
        return "result";
    case EventKind::error:
        return "error";
    case EventKind::unknown:
        return "unknown";
    case EventKind::malformed:
        return "malformed";
    }
    return "unknown";
}

std::vector<AgentEvent> StreamParser::feed(std::string_view chunk) {
    assert(!m_finished && "feed() after finish()");
    std::vector<AgentEvent> events;
    // Rationale: only the new chunk is searched for newlines, so byte-at-a-time feeding of a
    // long line stays linear.
    for (std::size_t newline = chunk.find('\n'); newline != std::string_view::npos;
         newline = chunk.find('\n')) {
        m_buffer.append(chunk.substr(0, newline));
        take_line(events);
        chunk.remove_prefix(newline + 1);
    }
    m_buffer.append(chunk);
    return events;
}

std::vector<AgentEvent> StreamParser::finish() {
    assert(!m_finished && "finish() called twice");
    m_finished = true;
    std::vector<AgentEvent> events;
    take_line(events);
    end_of_stream(events);
    return events;
}

void StreamParser::take_line(std::vector<AgentEvent>& events) {
    std::string line = std::move(m_buffer);
    m_buffer.clear();
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    if (line.find_first_not_of(" \t") == std::string::npos) {
        return;
    }
    parse_line(line, events);
}

void StreamParser::record_session(std::string_view id, std::vector<AgentEvent>& events) {
    if (id.empty() || m_session_id == id) {
        return;
    }
    m_session_id = std::string(id);
    events.emplace_back(SessionEvent{*m_session_id});
}

void StreamParser::mark_complete(bool failed) noexcept {
    m_complete = true;
    m_failed = failed;
}

std::unique_ptr<Provider> make_provider(const AgentManifest& manifest) {
    switch (manifest.provider) {
    case ProviderKind::claude:
        return make_claude_provider();
    case ProviderKind::codex:
        return make_codex_provider();
    case ProviderKind::command:
        break;
    }
    return make_command_provider(manifest.command, manifest.resume_command);
}

RunRequest make_request(const AgentManifest& manifest, std::string_view prompt,
                        const std::filesystem::path& workspace) {
    RunRequest request;
    request.prompt = compose_prompt(manifest, prompt);
    request.workspace = workspace;
    request.model = manifest.model;
    request.extra_args = manifest.args;
    request.allowed_tools = manifest.allowed_tools;
    return request;
}

} // namespace forgebot::agent
