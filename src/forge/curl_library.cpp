// Loading libcurl with dlopen and resolving its entry points.
#include "forge/curl_library.hpp"

#include "util/error.hpp"

#include <dlfcn.h>
#include <string>

namespace forgebot::forge {

namespace {

/// The soname of libcurl's stable ABI (version 4 since curl 7.16).
constexpr const char* k_soname = "libcurl.so.4";

template <typename Fn>
void resolve(void* library, const char* name, Fn& out, std::string& missing) {
    void* symbol = ::dlsym(library, name);
    if (symbol == nullptr) {
        missing += missing.empty() ? name : std::string(", ") + name;
        return;
    }
    out = reinterpret_cast<Fn>(symbol);
}

struct Loaded {
    CurlLibrary api{};
    std::string error;
};

Loaded load() {
    Loaded loaded;
    void* library = ::dlopen(k_soname, RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char* reason = ::dlerror();
        loaded.error = std::string("cannot load ") + k_soname + ": " +
                       (reason != nullptr ? reason : "unknown error") +
                       " (install the libcurl4 package)";
        return loaded;
    }
    std::string missing;
    CurlLibrary& api = loaded.api;
    resolve(library, "curl_global_init", api.global_init, missing);
    resolve(library, "curl_easy_init", api.easy_init, missing);
    resolve(library, "curl_easy_cleanup", api.easy_cleanup, missing);
    resolve(library, "curl_easy_reset", api.easy_reset, missing);
    resolve(library, "curl_easy_setopt", api.easy_setopt, missing);
    resolve(library, "curl_easy_perform", api.easy_perform, missing);
    resolve(library, "curl_easy_getinfo", api.easy_getinfo, missing);
    resolve(library, "curl_easy_strerror", api.easy_strerror, missing);
    resolve(library, "curl_slist_append", api.slist_append, missing);
    resolve(library, "curl_slist_free_all", api.slist_free_all, missing);
    if (!missing.empty()) {
        loaded.error = std::string(k_soname) + " lacks " + missing;
        return loaded;
    }
    const CURLcode init = api.global_init(CURL_GLOBAL_DEFAULT);
    if (init != CURLE_OK) {
        loaded.error = std::string("cannot initialise libcurl: ") + api.easy_strerror(init);
    }
    // The library stays loaded for the life of the process.
    return loaded;
}

} // namespace

const CurlLibrary& curl_library() {
    // Rationale: a function-local static is initialised once, thread-safely, on first use.
    static const Loaded loaded = load();
    if (!loaded.error.empty()) {
        throw Error(Errc::unavailable, loaded.error);
    }
    return loaded.api;
}

} // namespace forgebot::forge
