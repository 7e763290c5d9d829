// Private directory creation, one path component at a time so each new one gets mode 0700.
#include "util/private_dir.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace forgebot::util {

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

} // namespace forgebot::util
