// Resolution of FORGEBOT_HOME and the default database inside it.
#include "store/home.hpp"

#include "util/error.hpp"

#include <cstdlib>

namespace forgebot::store {

namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string{} : std::string{value};
}

} // namespace

std::filesystem::path home_dir() {
    if (auto home = env("FORGEBOT_HOME"); !home.empty()) {
        return home;
    }
    if (auto state = env("XDG_STATE_HOME"); !state.empty()) {
        return std::filesystem::path(state) / "forgebot";
    }
    if (auto user = env("HOME"); !user.empty()) {
        return std::filesystem::path(user) / ".local" / "state" / "forgebot";
    }
    throw Error(Errc::io, "cannot locate the state directory: set FORGEBOT_HOME or HOME");
}

std::filesystem::path default_database_path() {
    return home_dir() / "forgebot.db";
}

} // namespace forgebot::store
