// Tests of HMAC-SHA256 against published vectors, and of the constant-time comparison.
#include "util/hmac.hpp"

#include <catch2/catch.hpp>
#include <string>

using forgebot::util::constant_time_equal;
using forgebot::util::hmac_sha256_hex;

TEST_CASE("hmac_sha256_hex gives GitHub's published webhook vector", "[util][hmac]") {
    CHECK(hmac_sha256_hex("It's a Secret to Everybody", "Hello, World!") ==
          "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST_CASE("hmac_sha256_hex gives the RFC 4231 test vectors", "[util][hmac]") {
    // Test case 1: a 20-byte key of 0x0b.
    CHECK(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    // Test case 2: a key shorter than the block.
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // Test case 6: a 131-byte key, longer than the block, so hashed first.
    CHECK(hmac_sha256_hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("hmac_sha256_hex accepts an empty key and empty data", "[util][hmac]") {
    CHECK(hmac_sha256_hex("", "") ==
          "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    const std::string with_nul("a\0b", 3);
    CHECK(hmac_sha256_hex(with_nul, with_nul) != hmac_sha256_hex("a", "a"));
}

TEST_CASE("constant_time_equal compares whole contents and refuses other lengths", "[util][hmac]") {
    CHECK(constant_time_equal("", ""));
    CHECK(constant_time_equal("abc123", "abc123"));
    CHECK_FALSE(constant_time_equal("abc123", "abc124"));
    CHECK_FALSE(constant_time_equal("xbc123", "abc123"));
    CHECK_FALSE(constant_time_equal("abc123", "abc1234"));
    CHECK_FALSE(constant_time_equal("abc", ""));
    CHECK_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}
