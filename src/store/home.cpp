// Resolution of FORGEBOT_HOME and creation of private directories.
#include "store/home.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

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

void ensure_private_dir(const std::filesystem::path& dir) {
    std::filesystem::path partial;
    for (const auto& part : dir) {
        partial /= part;
        struct stat st {};
        if (::stat(partial.c_str(), &st) == 0) {
            if (!S_ISDIR(st.st_mode)) {
                throw Error(Errc::io, "cannot create directory " + dir.string() + ": " +
                                          partial.string() + " is not a directory");
            }
            continue;
        }
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
            throw Error(Errc::io, "cannot create directory " + partial.string() + ": " +
                                      std::strerror(errno));
        }
    }
}

std::filesystem::path default_database_path() {
    return home_dir() / "forgebot.db";
}

} // namespace forgebot::store
