// Bottle profiles: which backend a bottle uses and what its sandbox may see, from the built-in
// `default` and `$XDG_CONFIG_HOME/forgebot/bottles/NAME.toml`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::bottle {

/// How the agent is run.
enum class BackendKind {
    process, ///< a child in its own process group; no isolation
    bwrap,   ///< bubblewrap: new user, pid, ipc and uts namespaces, a minimal filesystem view
};

/// `"process"` or `"bwrap"`.
std::string_view backend_name(BackendKind kind) noexcept;

/// The backend named `name`, or std::nullopt.
std::optional<BackendKind> parse_backend(std::string_view name) noexcept;

/// One bottle profile, or several merged.
struct BottleProfile {
    std::vector<std::string> names;        ///< the profiles merged into this one, in order
    std::optional<BackendKind> backend;    ///< none: bwrap when it works here, else process
    bool network = true;                   ///< false: `--unshare-net` (bwrap only)
    std::vector<std::filesystem::path> ro; ///< extra read-only binds (bwrap)
    std::vector<std::filesystem::path> rw; ///< extra read-write binds (bwrap)
    std::vector<std::string> env;          ///< host variables passed through
};

/// `config_home()/forgebot/bottles`, where user profiles live.
std::filesystem::path profiles_dir();

/// Parses the TOML text of profile `name` read from `file`. Keys: `backend` ("process" or
/// "bwrap"), `network` ("on" or "off", or a boolean), `ro` and `rw` (arrays of absolute
/// paths, `~/` expanded against HOME), `env` (names of variables). Throws
/// Error{Errc::invalid_input} naming the file, line and key; unknown keys are errors.
BottleProfile parse_profile(std::string_view toml_text, std::string_view name,
                            const std::filesystem::path& file);

/// The profile `name`: `dir/NAME.toml` when it exists, else the built-in `default` (no
/// settings). Throws Error{Errc::not_found} for another name with no file, and what
/// parse_profile throws.
BottleProfile load_profile(std::string_view name, const std::filesystem::path& dir);

/// The profiles `names` merged in order: a later backend wins, network is off when any says
/// off, binds and env accumulate (duplicates dropped). An empty list is `default`.
BottleProfile load_profiles(const std::vector<std::string>& names,
                            const std::filesystem::path& dir);

} // namespace forgebot::bottle
