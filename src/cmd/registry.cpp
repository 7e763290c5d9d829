// The command table (like ninja's tool table): name and the function that adds it.
#include "cmd/registry.hpp"

#include <array>

namespace forgebot::cmd {

std::span<const Command> commands() {
    static constexpr std::array table{
        Command{"start", add_start},
        Command{"resume", add_resume},
        Command{"list", add_list},
        Command{"show", add_show},
        Command{"logs", add_logs},
        Command{"freeze", add_freeze},
        Command{"destroy", add_destroy},
        Command{"orchestrate", add_orchestrate},
        Command{"provenance", add_provenance},
        Command{"sidecar", add_sidecar},
        Command{"call", add_call},
        Command{"mcp", add_mcp},
        Command{"help", add_help},
    };
    return table;
}

} // namespace forgebot::cmd
