// `forgebot logs`: a bottle's transcript, rendered, optionally followed while the agent runs.
#include "agent/provider.hpp"
#include "bottle/render.hpp"
#include "cmd/bottle_context.hpp"
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"
#include "store/home.hpp"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <thread>

namespace forgebot::cmd {

namespace {

struct LogsOptions {
    std::string identity;
    bool follow = false;
    bool raw = false;
};

/// Renders transcript bytes as `forgebot start --headless` renders a live run.
class Renderer {
public:
    explicit Renderer(const std::string& provider) {
        if (provider == "claude") {
            m_parser = agent::make_claude_provider()->parser();
        } else if (provider == "codex") {
            m_parser = agent::make_codex_provider()->parser();
        }
    }

    void feed(std::string_view chunk, bool raw) {
        if (raw) {
            std::cout << chunk;
            return;
        }
        if (m_parser) {
            print(m_parser->feed(chunk));
            return;
        }
        // provider command: the transcript holds {"type":"output","text":...} lines.
        m_pending.append(chunk);
        std::size_t newline;
        while ((newline = m_pending.find('\n')) != std::string::npos) {
            const auto line = nlohmann::json::parse(m_pending.substr(0, newline), nullptr, false);
            m_pending.erase(0, newline + 1);
            if (line.is_object() && line.value("type", "") == "output") {
                std::cout << line.value("text", "") << '\n';
            } else if (line.is_object() && line.value("type", "") == "session") {
                std::cout << "session " << line.value("id", "") << '\n';
            }
        }
    }

private:
    void print(const std::vector<agent::AgentEvent>& events) {
        for (const auto& event : events) {
            if (auto line = bottle::render_event(event)) {
                std::cout << *line << '\n';
            }
        }
    }

    std::unique_ptr<agent::StreamParser> m_parser;
    std::string m_pending;
};

int run_logs(const LogsOptions& options) {
    auto context = open_bottle_context();
    auto record = context.sessions->get(options.identity);
    const auto details = bottle::record_json(record);
    Renderer renderer(details.value("provider", "command"));
    const auto paths = bottle::bottle_paths(store::home_dir(), record.identity);
    std::ifstream in(paths.transcript, std::ios::binary);
    char buf[65536];
    while (true) {
        while (in.read(buf, sizeof buf) || in.gcount() > 0) {
            renderer.feed(std::string_view(buf, static_cast<std::size_t>(in.gcount())),
                          options.raw);
        }
        std::cout.flush();
        if (!options.follow) {
            break;
        }
        record = context.sessions->get(options.identity);
        if (!bottle::is_running(record)) {
            // One last read for what the agent wrote before it ended.
            in.clear();
            while (in.read(buf, sizeof buf) || in.gcount() > 0) {
                renderer.feed(std::string_view(buf, static_cast<std::size_t>(in.gcount())),
                              options.raw);
            }
            break;
        }
        in.clear();
        if (!in.is_open()) {
            in.open(paths.transcript, std::ios::binary);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    std::cout.flush();
    return 0;
}

} // namespace

void add_logs(CLI::App& parent, Outcome& outcome) {
    auto o = std::make_shared<LogsOptions>();
    CLI::App* app = parent.add_subcommand("logs", "Print a bottle's transcript");
    configure_app(*app);
    app->add_option("identity", o->identity, "The bottle, e.g. claude-ab3de")->required();
    app->add_flag("-f,--follow", o->follow, "Keep printing while the agent runs");
    app->add_flag("--raw", o->raw, "Print the transcript as recorded (JSON lines)");
    app->callback([&outcome, o] { outcome.exit_code = run_logs(*o); });
}

} // namespace forgebot::cmd
