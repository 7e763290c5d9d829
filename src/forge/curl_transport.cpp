// The libcurl adapter: one easy handle, options set per request, CURLcode translated to ForgeError.
#include "forge/curl_transport.hpp"

#include "forge/curl_library.hpp"
#include "forge/forge_error.hpp"

#include <array>
#include <cstdlib>
#include <curl/curl.h>
#include <string>
#include <string_view>

namespace forgebot::forge {

struct CurlTransport::Handle {
    CURL* curl = nullptr;
    std::string ca_file;
    std::string unix_socket;
};

namespace {

/// libcurl's entry points, as a transport failure when it cannot be loaded.
const CurlLibrary& curl_api() {
    try {
        return curl_library();
    } catch (const ForgeError&) {
        throw;
    } catch (const Error& e) {
        throw ForgeError(Errc::unavailable, e.what());
    }
}

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                             text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

/// What one transfer collects.
struct Exchange {
    HttpResponse response;
    bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* exchange = static_cast<Exchange*>(user);
    const std::size_t bytes = size * count;
    if (exchange->response.body.size() + bytes > k_max_response_bytes) {
        exchange->too_large = true;
        return 0;
    }
    exchange->response.body.append(data, bytes);
    return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* exchange = static_cast<Exchange*>(user);
    const std::size_t bytes = size * count;
    const std::string_view line = trim(std::string_view(data, bytes));
    if (line.starts_with("HTTP/")) {
        // A new status line: an interim (100) or proxy answer came first; keep only the last.
        exchange->response.headers.clear();
        return bytes;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return bytes;
    }
    std::string name(line.substr(0, colon));
    for (char& c : name) {
        c = ascii_lower(c);
    }
    const std::string_view value = trim(line.substr(colon + 1));
    auto [it, inserted] = exchange->response.headers.try_emplace(std::move(name), value);
    if (!inserted) {
        it->second.append(", ").append(value);
    }
    return bytes;
}

std::string lower_first(std::string text) {
    if (!text.empty()) {
        text.front() = ascii_lower(text.front());
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == '.')) {
        text.pop_back();
    }
    return text;
}

ForgeError transport_error(CURLcode code, const char* error_buffer, bool too_large) {
    const CurlLibrary& api = curl_library();
    const std::string detail =
        lower_first(error_buffer[0] != '\0' ? error_buffer : api.easy_strerror(code));
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        return {Errc::unavailable, "timed out: " + detail};
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return {Errc::unavailable, "cannot resolve host: " + detail};
    case CURLE_COULDNT_CONNECT:
        return {Errc::unavailable, "cannot connect: " + detail};
    case CURLE_PEER_FAILED_VERIFICATION:
        return {Errc::unavailable,
                "tls certificate not trusted: " + detail +
                    "; if the forge uses a private CA, set FORGEBOT_CA_FILE to its bundle"};
    case CURLE_SSL_CACERT_BADFILE:
        return {Errc::unavailable, "cannot read the CA bundle (FORGEBOT_CA_FILE): " + detail};
    case CURLE_PARTIAL_FILE:
        return {Errc::bad_response, "forge answer was cut short: " + detail};
    case CURLE_FILESIZE_EXCEEDED:
        return {Errc::bad_response, "forge answer exceeds 64 MiB"};
    case CURLE_WRITE_ERROR:
        if (too_large) {
            return {Errc::bad_response, "forge answer exceeds 64 MiB"};
        }
        return {Errc::bad_response, "cannot store the forge answer: " + detail};
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return {Errc::bad_response, "forge answered malformed HTTP: " + detail};
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return {Errc::usage, "unusable forge URL: " + detail};
    default:
        return {Errc::unavailable, "request failed: " + detail};
    }
}

/// Owns a curl_slist.
struct HeaderList {
    curl_slist* list = nullptr;
    HeaderList() = default;
    HeaderList(const HeaderList&) = delete;
    HeaderList& operator=(const HeaderList&) = delete;
    ~HeaderList() { curl_library().slist_free_all(list); }

    void add(const std::string& line) {
        curl_slist* grown = curl_library().slist_append(list, line.c_str());
        if (grown == nullptr) {
            throw ForgeError(Errc::unavailable, "out of memory building request headers");
        }
        list = grown;
    }
};

} // namespace

CurlTransport::CurlTransport(std::chrono::milliseconds connect_timeout,
                             std::chrono::milliseconds total_timeout, std::string unix_socket)
    : m_handle(std::make_unique<Handle>()), m_connect_timeout(connect_timeout),
      m_total_timeout(total_timeout) {
    m_handle->unix_socket = std::move(unix_socket);
    if (const char* ca = std::getenv("FORGEBOT_CA_FILE"); ca != nullptr && *ca != '\0') {
        m_handle->ca_file = ca;
    }
}

CurlTransport::~CurlTransport() {
    if (m_handle && m_handle->curl != nullptr) {
        curl_library().easy_cleanup(m_handle->curl);
    }
}

HttpResponse CurlTransport::send(const HttpRequest& request) {
    const std::lock_guard lock(m_mutex);
    // Rationale: libcurl is loaded and its handle made on the first request, so a process that
    // never sends one (a sidecar whose agent only pings) never maps libcurl.
    if (m_handle->curl == nullptr) {
        m_handle->curl = curl_api().easy_init();
        if (m_handle->curl == nullptr) {
            throw ForgeError(Errc::unavailable, "cannot create a libcurl handle");
        }
    }
    const CurlLibrary& api = curl_library();
    CURL* curl = m_handle->curl;
    // Rationale: reset clears the previous request's options but keeps live connections.
    api.easy_reset(curl);

    Exchange exchange;
    std::array<char, CURL_ERROR_SIZE> error_buffer{};
    HeaderList headers;
    for (const auto& [name, value] : request.headers) {
        headers.add(name + ": " + value);
    }
    // Rationale: curl waits up to a second for "100 Continue" on large bodies; forges never need
    // it.
    headers.add("Expect:");

    api.easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    api.easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
    api.easy_setopt(curl, CURLOPT_USERAGENT, "forgebot");
    api.easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer.data());
    api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    api.easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    api.easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x075500
    api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    if (!m_handle->ca_file.empty()) {
        api.easy_setopt(curl, CURLOPT_CAINFO, m_handle->ca_file.c_str());
    }
    if (!m_handle->unix_socket.empty()) {
        api.easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, m_handle->unix_socket.c_str());
    }
    api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(m_connect_timeout.count()));
    api.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(m_total_timeout.count()));
    api.easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(k_max_response_bytes));
    api.easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
    api.easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
    api.easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
    api.easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);

    if (request.method == "GET") {
        api.easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
        api.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
            request.method == "PATCH") {
            api.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                            static_cast<curl_off_t>(request.body.size()));
            api.easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
        }
    }

    const CURLcode code = api.easy_perform(curl);
    long status = 0;
    api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    // Rationale: the handle must not keep pointers to this frame's buffers and header list.
    api.easy_reset(curl);
    if (code != CURLE_OK) {
        throw transport_error(code, error_buffer.data(), exchange.too_large);
    }
    exchange.response.status = static_cast<int>(status);
    return std::move(exchange.response);
}

} // namespace forgebot::forge
