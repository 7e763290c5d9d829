// Line-at-a-time serving of an MCP session over a pair of streams.
#include "mcp/stdio.hpp"

#include <istream>
#include <ostream>
#include <string>

namespace forgebot::mcp {

void serve(Server& server, std::istream& in, std::ostream& out) {
    std::string line;
    while (std::getline(in, line)) {
        for (const auto& answer : server.handle_line(line)) {
            out << answer << '\n';
        }
        out.flush();
        if (!out) {
            return;
        }
    }
}

} // namespace forgebot::mcp
