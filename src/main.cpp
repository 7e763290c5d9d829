// The forgebot binary: everything happens in the command table.
#include "cmd/main.hpp"

int main(int argc, char** argv) {
    return forgebot::cmd::main(argc, argv);
}
