// Helpers for the agent tests: scoped environment variables, files, and feeding stream parsers.
#pragma once

#include "agent/provider.hpp"
#include "fakes/scoped_env.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace forgebot::testing {

/// Writes `text` to `file`, creating its directory.
inline void write_text(const std::filesystem::path& file, const std::string& text) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
        throw std::runtime_error("cannot write " + file.string());
    }
}

/// The whole content of `file`.
inline std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + file.string());
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The captures in `dir` whose names end in one of `extensions`, sorted.
inline std::vector<std::filesystem::path>
capture_files(const std::filesystem::path& dir, const std::vector<std::string>& extensions) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const auto ext = entry.path().extension().string();
        if (entry.is_regular_file() &&
            std::find(extensions.begin(), extensions.end(), ext) != extensions.end()) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

/// A capture as the agent's stdout would carry it: a `.jsonl` file as it is; a `.json` array
/// with each element on its own line.
inline std::string capture_stream(const std::filesystem::path& file) {
    std::string bytes = read_text(file);
    if (file.extension() != ".json") {
        return bytes;
    }
    std::string lines;
    for (const auto& element : nlohmann::json::parse(bytes)) {
        lines += element.dump() + "\n";
    }
    return lines;
}

/// The number of non-blank lines in `bytes`.
inline std::size_t line_count(std::string_view bytes) {
    std::size_t n = 0;
    std::size_t start = 0;
    while (start < bytes.size()) {
        std::size_t end = bytes.find('\n', start);
        if (end == std::string_view::npos) {
            end = bytes.size();
        }
        n += bytes.substr(start, end - start).find_first_not_of(" \t\r") != std::string_view::npos;
        start = end + 1;
    }
    return n;
}

/// Feeds `bytes` to `parser` in chunks of `chunk_size` (0: all at once), then finishes it;
/// returns every event in order.
inline std::vector<agent::AgentEvent>
parse_in_chunks(agent::StreamParser& parser, std::string_view bytes, std::size_t chunk_size) {
    std::vector<agent::AgentEvent> events;
    const std::size_t step = chunk_size == 0 ? bytes.size() : chunk_size;
    for (std::size_t pos = 0; pos < bytes.size(); pos += step) {
        for (auto& event : parser.feed(bytes.substr(pos, step))) {
            events.push_back(std::move(event));
        }
    }
    for (auto& event : parser.finish()) {
        events.push_back(std::move(event));
    }
    return events;
}

/// How many of `events` are of `kind`.
inline std::size_t count_kind(const std::vector<agent::AgentEvent>& events, agent::EventKind kind) {
    std::size_t n = 0;
    for (const auto& event : events) {
        if (agent::kind_of(event) == kind) {
            ++n;
        }
    }
    return n;
}

/// The events of type T, in order.
template <typename T> std::vector<T> events_of(const std::vector<agent::AgentEvent>& events) {
    std::vector<T> out;
    for (const auto& event : events) {
        if (const auto* typed = std::get_if<T>(&event)) {
            out.push_back(*typed);
        }
    }
    return out;
}

} // namespace forgebot::testing
