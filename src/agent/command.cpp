// The command provider: any program, run from an argv template, its stdout kept as text.
#include "agent/placeholder.hpp"
#include "agent/provider.hpp"

#include <cassert>

namespace forgebot::agent {

namespace {

constexpr std::string_view k_session_prefix = "FORGEBOT_SESSION=";

class CommandParser final : public StreamParser {
protected:
    void parse_line(std::string_view line, std::vector<AgentEvent>& events) override {
        if (line.starts_with(k_session_prefix)) {
            std::string_view id = line.substr(k_session_prefix.size());
            while (!id.empty() && (id.back() == ' ' || id.back() == '\t')) {
                id.remove_suffix(1);
            }
            if (!id.empty()) {
                record_session(id, events);
                return;
            }
        }
        mutable_summary().result = std::string(line);
        events.emplace_back(TextEvent{std::string(line), false});
    }

    void end_of_stream(std::vector<AgentEvent>& events) override {
        (void)events;
        mark_complete(false);
    }
};

class CommandProvider final : public Provider {
public:
    CommandProvider(std::vector<std::string> command, std::vector<std::string> resume_command)
        : m_command(std::move(command)), m_resume_command(std::move(resume_command)) {
        assert(!m_command.empty() && "a command provider needs a command");
    }

    ProviderKind kind() const noexcept override { return ProviderKind::command; }

    std::vector<std::string> start_argv(const RunRequest& request) const override {
        return expand(m_command, request, {});
    }

    std::vector<std::string> resume_argv(const RunRequest& request,
                                         std::string_view session_id) const override {
        if (m_resume_command.empty()) {
            return start_argv(request);
        }
        return expand(m_resume_command, request, session_id);
    }

    std::unique_ptr<StreamParser> parser() const override {
        return std::make_unique<CommandParser>();
    }

private:
    static std::vector<std::string> expand(const std::vector<std::string>& argv_template,
                                           const RunRequest& request, std::string_view session_id) {
        const std::string workspace = request.workspace.string();
        const PlaceholderValues values{request.prompt, session_id, workspace};
        std::vector<std::string> out;
        out.reserve(argv_template.size());
        for (const auto& arg : argv_template) {
            out.push_back(expand_placeholders(arg, values));
        }
        return out;
    }

    std::vector<std::string> m_command;
    std::vector<std::string> m_resume_command;
};

} // namespace

std::unique_ptr<Provider> make_command_provider(std::vector<std::string> command,
                                                std::vector<std::string> resume_command) {
    return std::make_unique<CommandProvider>(std::move(command), std::move(resume_command));
}

} // namespace forgebot::agent
