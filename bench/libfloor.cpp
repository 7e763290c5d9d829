// The memory floor for forgebot's libraries: a program that links the shared libraries forgebot
// links at start (libcrypto, libsqlite3, libstdc++; libcurl is loaded only on a first forge
// call), listens on a Unix
// socket so the benchmark knows it is up, and waits. Its RSS is what loading those costs.
#include <cstring>
#include <iostream>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: forgebot_libfloor SOCKET_PATH\n";
        return 2;
    }
    if (argv[1][0] == '\0') {
        // Never taken: uses each library so the linker keeps it (and the loader maps it).
        std::cout << OpenSSL_version(OPENSSL_VERSION) << sqlite3_libversion();
        return 2;
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    ::unlink(argv[1]);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd, 16) != 0) {
        std::cerr << "forgebot_libfloor: error: cannot listen on " << argv[1] << '\n';
        return 1;
    }
    for (;;) {
        ::pause();
    }
}
