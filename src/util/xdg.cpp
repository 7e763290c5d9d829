// Resolution of the XDG configuration directory.
#include "util/xdg.hpp"

#include "util/error.hpp"

#include <cstdlib>

namespace forgebot::util {

std::filesystem::path config_home() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
        return xdg;
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
        return std::filesystem::path(home) / ".config";
    }
    throw Error(Errc::io, "cannot locate the configuration directory: set XDG_CONFIG_HOME or HOME");
}

} // namespace forgebot::util
