// libcurl, loaded on first use: the functions forgebot calls, resolved with dlopen.
#pragma once

#include <curl/curl.h>

namespace forgebot::forge {

/// The libcurl entry points the transport uses.
struct CurlLibrary {
    CURLcode (*global_init)(long flags);
    CURL* (*easy_init)();
    void (*easy_cleanup)(CURL* handle);
    void (*easy_reset)(CURL* handle);
    CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL* handle);
    CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...);
    const char* (*easy_strerror)(CURLcode code);
    curl_slist* (*slist_append)(curl_slist* list, const char* text);
    void (*slist_free_all)(curl_slist* list);
};

/// libcurl, loaded (and curl_global_init called) the first time this is called.
/// Rationale: libcurl and the two dozen libraries it links (TLS, Kerberos, LDAP, SSH, ...) cost
/// about 4 MiB of resident memory in every process that maps them; a sidecar or command that
/// never talks to a forge does not load them. Thread-safe. Throws Error{Errc::unavailable} when
/// the library cannot be loaded or initialised (every later call throws the same).
const CurlLibrary& curl_library();

} // namespace forgebot::forge
