// Starting, probing and stopping the real sidecar binary for integration tests.
#include "fakes/sidecar_process.hpp"

#include "fakes/unix_http_client.hpp"

#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace forgebot::testing {

SidecarProcess::SidecarProcess(std::filesystem::path root, SidecarSettings settings)
    : m_root(std::move(root)),
      m_socket(settings.socket.empty() ? m_root / "s" / "sock" : settings.socket),
      m_queue_dir(m_root / "run" / "queue"), m_home(m_root / "home"),
      m_settings(std::move(settings)) {}

std::vector<std::string> SidecarProcess::args() const {
    std::vector<std::string> args{"sidecar",
                                  "--socket",
                                  m_socket.string(),
                                  "--queue-dir",
                                  m_queue_dir.string(),
                                  "--identity",
                                  m_settings.identity,
                                  "--forge",
                                  m_settings.forge,
                                  "--api-url",
                                  m_settings.api_url,
                                  "--owner",
                                  m_settings.owner,
                                  "--repo",
                                  m_settings.repo,
                                  "--issue",
                                  std::to_string(m_settings.issue),
                                  "--log-level",
                                  "debug"};
    for (const auto pr : m_settings.prs) {
        args.insert(args.end(), {"--pr", std::to_string(pr)});
    }
    if (m_settings.token_via == TokenVia::fd) {
        args.insert(args.end(), {"--token-fd", "3"});
    } else if (m_settings.token_via == TokenVia::file) {
        args.insert(args.end(), {"--token-file", (m_root / "token").string()});
    }
    args.insert(args.end(), m_settings.extra_args.begin(), m_settings.extra_args.end());
    return args;
}

void SidecarProcess::spawn() {
    if (m_process && m_process->running()) {
        throw std::runtime_error("the sidecar is already running");
    }
    BackgroundOptions options;
    // Rationale: the test runner's own environment must not leak a token or a flag in.
    for (const char* name :
         {"FORGE_TOKEN", "FORGE_TOKEN_FILE", "FORGE_PR_NUMBER", "FORGE_KIND", "FORGEBOT_WORKSPACE",
          "FORGEBOT_BRANCH", "FORGEBOT_AUDIT_LOG", "FORGEBOT_LOG_LEVEL", "XDG_STATE_HOME"}) {
        options.env[name] = std::nullopt;
    }
    options.env["FORGEBOT_HOME"] = m_home.string();
    switch (m_settings.token_via) {
    case TokenVia::fd:
        options.pipes[3] = m_settings.token + "\n";
        break;
    case TokenVia::file: {
        const auto file = m_root / "token";
        std::ofstream(file, std::ios::trunc) << m_settings.token << '\n';
        std::filesystem::permissions(file, std::filesystem::perms::owner_read |
                                               std::filesystem::perms::owner_write);
        break;
    }
    case TokenVia::env:
        options.env["FORGE_TOKEN"] = m_settings.token;
        break;
    case TokenVia::none:
        break;
    }
    options.stderr_file = m_root / ("stderr." + std::to_string(++m_starts));
    options.stdout_file = m_root / ("stdout." + std::to_string(m_starts));
    std::vector<std::string> argv{FORGEBOT_BINARY};
    const auto rest = args();
    argv.insert(argv.end(), rest.begin(), rest.end());
    m_process = std::make_unique<BackgroundProcess>(argv, options);
}

void SidecarProcess::start(std::chrono::milliseconds timeout) {
    spawn();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!sidecar_healthy(m_socket)) {
        if (!m_process->running()) {
            throw std::runtime_error("the sidecar exited with status " +
                                     std::to_string(*m_process->exit_code()) +
                                     " before serving: " + stderr_text());
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            throw std::runtime_error("the sidecar did not answer /health in time: " +
                                     stderr_text());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

int SidecarProcess::stop(std::chrono::milliseconds timeout) {
    process().send_signal(SIGTERM);
    return process().wait_for(timeout).value_or(-1);
}

int SidecarProcess::kill() {
    return process().kill();
}

BackgroundProcess& SidecarProcess::process() {
    if (!m_process) {
        throw std::runtime_error("the sidecar was never started");
    }
    return *m_process;
}

std::string SidecarProcess::stderr_text() const {
    std::string text;
    for (int i = 1; i <= m_starts; ++i) {
        text += read_text(m_root / ("stderr." + std::to_string(i)));
    }
    return text;
}

nlohmann::json SidecarProcess::call(const std::string& method, nlohmann::json params,
                                    nlohmann::json id) const {
    return rpc_call(m_socket, rpc_request(method, std::move(params), std::move(id)));
}

std::vector<nlohmann::json> SidecarProcess::audit_lines() const {
    std::vector<nlohmann::json> lines;
    std::istringstream in(read_text(audit_log()));
    for (std::string line; std::getline(in, line);) {
        lines.push_back(nlohmann::json::parse(line));
    }
    return lines;
}

RunOptions SidecarProcess::call_options() const {
    RunOptions options;
    options.env["FORGEBOT_SIDECAR_SOCKET"] = m_socket.string();
    options.timeout = std::chrono::seconds(20);
    return options;
}

bool sidecar_healthy(const std::filesystem::path& socket) {
    try {
        UnixHttpClient client(socket, std::chrono::seconds(2));
        return client.request("GET", "/health").status == 200;
    } catch (const std::runtime_error&) {
        return false;
    }
}

} // namespace forgebot::testing
