// Helpers the benchmarks share: failing with a message, reading small files, and printing
// figures in the table layout of docs/PERFORMANCE.md.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace forgebot::bench {

/// Throws std::runtime_error with `message`; main prints it and exits 1.
[[noreturn]] inline void fail(const std::string& message) {
    throw std::runtime_error(message);
}

/// Fails with `what` and the text of errno.
[[noreturn]] inline void fail_errno(const std::string& what) {
    fail(what + ": " + std::strerror(errno));
}

/// The contents of a (small) text file; empty when it cannot be read.
inline std::string read_text(const std::filesystem::path& path) {
    std::string text;
    if (FILE* file = std::fopen(path.c_str(), "r"); file != nullptr) {
        char chunk[4096];
        std::size_t n = 0;
        while ((n = std::fread(chunk, 1, sizeof chunk, file)) > 0) {
            text.append(chunk, n);
        }
        std::fclose(file);
    }
    return text;
}

/// `value` with `decimals` digits after the point.
inline std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

/// `value / floor` as "1.23x"; "-" when there is no floor.
inline std::string ratio(double value, double floor) {
    return floor > 0 ? fixed(value / floor, 2) + "x" : "-";
}

/// One row of a table: a label, forgebot's figure, the floor's figure, and their ratio.
inline void row(const std::string& label, const std::string& value, const std::string& floor,
                const std::string& versus) {
    std::printf("  %-28s %12s %12s %8s\n", label.c_str(), value.c_str(), floor.c_str(),
                versus.c_str());
}

/// The model name of the first CPU in /proc/cpuinfo.
inline std::string cpu_model() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.starts_with("model name")) {
            const auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(colon + 2);
        }
    }
    return "unknown CPU";
}

} // namespace forgebot::bench
