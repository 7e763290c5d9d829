// HMAC-SHA256 and constant-time comparison through OpenSSL.
#include "util/hmac.hpp"

#include "util/error.hpp"

#include <climits>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace forgebot::util {

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    if (key.size() > INT_MAX) {
        throw Error(Errc::invalid_input, "hmac key is longer than 2 GiB");
    }
    // Rationale: OpenSSL reads a null key pointer as "reuse the previous key", so an empty key
    // gets a valid pointer to zero bytes.
    static constexpr unsigned char k_empty = 0;
    const auto* key_bytes =
        key.empty() ? &k_empty : reinterpret_cast<const unsigned char*>(key.data());
    const auto* data_bytes = reinterpret_cast<const unsigned char*>(data.data());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()), data_bytes, data.size(), digest,
             &length) == nullptr) {
        throw Error(Errc::failure, "cannot compute an hmac-sha256 with openssl");
    }
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(std::size_t{length} * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out += k_hex[digest[i] >> 4];
        out += k_hex[digest[i] & 0x0f];
    }
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    // Rationale: the length of an HMAC hex digest is public, so refusing a length mismatch early
    // tells an attacker nothing; the content comparison is the part that must not short-cut.
    if (a.size() != b.size()) {
        return false;
    }
    return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace forgebot::util
