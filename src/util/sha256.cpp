// SHA-256 through OpenSSL's EVP interface.
#include "util/sha256.hpp"

#include <cstdio>
#include <openssl/evp.h>

namespace forgebot::util {

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out += k_hex[digest[i] >> 4];
        out += k_hex[digest[i] & 0x0f];
    }
    return out;
}

std::string human_size(std::size_t bytes) {
    if (bytes < 1024) {
        return std::to_string(bytes) + " B";
    }
    char buf[32];
    const double kb = static_cast<double>(bytes) / 1024.0;
    if (kb < 1024.0) {
        std::snprintf(buf, sizeof buf, "%.1f KB", kb);
    } else {
        std::snprintf(buf, sizeof buf, "%.1f MB", kb / 1024.0);
    }
    return buf;
}

} // namespace forgebot::util
