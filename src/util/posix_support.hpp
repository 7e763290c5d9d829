// Small POSIX helpers shared by the child-process code: argv/envp arrays and closing descriptors.
#pragma once

#include <string>
#include <unistd.h>
#include <vector>

namespace forgebot::util {

/// Pointers to each string's data followed by a null pointer, as execve wants; valid while
/// `strings` lives unchanged.
inline std::vector<char*> exec_pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

/// Closes `fd` when open and marks it closed (-1).
inline void close_fd(int& fd) noexcept {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

} // namespace forgebot::util
