// Bottle identities from the kernel's random source, and each bottle's directory layout.
#include "bottle/identity.hpp"

#include "agent/manifest.hpp"
#include "store/home.hpp"
#include "util/error.hpp"

#include <array>
#include <sys/random.h>
#include <sys/un.h>

namespace forgebot::bottle {

namespace {

constexpr std::string_view k_alphabet = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::size_t k_suffix = 5;

std::string random_suffix() {
    std::array<unsigned char, k_suffix> bytes{};
    std::size_t got = 0;
    while (got < bytes.size()) {
        const ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw Error(Errc::io, "cannot read random bytes for an identity");
        }
        got += static_cast<std::size_t>(n);
    }
    std::string out;
    for (const unsigned char b : bytes) {
        out.push_back(k_alphabet[b % k_alphabet.size()]);
    }
    return out;
}

} // namespace

bool is_identity(std::string_view text) noexcept {
    const auto dash = text.rfind('-');
    if (dash == std::string_view::npos || text.size() - dash - 1 != k_suffix) {
        return false;
    }
    for (const char c : text.substr(dash + 1)) {
        if (k_alphabet.find(c) == std::string_view::npos) {
            return false;
        }
    }
    return agent::is_valid_name(text.substr(0, dash));
}

std::string new_identity(std::string_view agent,
                         const std::function<bool(const std::string&)>& taken) {
    for (int attempt = 0; attempt < 64; ++attempt) {
        std::string identity = std::string(agent) + "-" + random_suffix();
        if (!taken(identity)) {
            return identity;
        }
    }
    throw Error(Errc::failure, "cannot find a free identity for agent " + std::string(agent));
}

BottlePaths bottle_paths(const std::filesystem::path& home, std::string_view identity) {
    BottlePaths p;
    p.root = home / "bottles" / std::string(identity);
    p.workspace = p.root / "workspace";
    p.home = p.root / "home";
    p.sidecar_dir = p.root / "sidecar";
    p.socket = p.sidecar_dir / "sock";
    p.queue = p.root / "queue";
    p.transcript = p.root / "transcript.jsonl";
    p.agent_log = p.root / "agent.log";
    p.sidecar_log = p.root / "sidecar.log";
    p.audit_log = p.root / "audit.jsonl";
    p.mcp_config = p.sidecar_dir / "mcp.json";
    return p;
}

void create_bottle_dirs(const BottlePaths& paths) {
    if (paths.socket.string().size() >= sizeof(sockaddr_un{}.sun_path)) {
        throw Error(Errc::usage, "the sidecar socket path " + paths.socket.string() +
                                     " is too long for a Unix socket; set FORGEBOT_HOME to a "
                                     "shorter directory");
    }
    for (const auto& dir : {paths.root, paths.home, paths.sidecar_dir, paths.queue}) {
        store::ensure_private_dir(dir);
    }
}

} // namespace forgebot::bottle
