// `forgebot call METHOD [key=value ...]`: one JSON-RPC request to the run's sidecar, the result on
// stdout.
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"
#include "sidecar/client.hpp"
#include "util/error.hpp"
#include "util/exit_code.hpp"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

namespace forgebot::cmd {

namespace {

struct CallOptions {
    std::string method;
    std::vector<std::string> pairs;
    std::string json_params;
    std::string socket;
    double timeout_seconds = 300;
};

std::string read_value_source(const std::string& source, const std::string& key) {
    if (source == "-") {
        return std::string(std::istreambuf_iterator<char>(std::cin), {});
    }
    std::ifstream in(source, std::ios::binary);
    if (!in) {
        throw Error(Errc::usage, "cannot read " + source + " for '" + key + "'");
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// A value as typed: whole numbers become JSON integers, @FILE and - read text, anything else
/// is a string.
nlohmann::json parse_value(const std::string& key, const std::string& text) {
    if (text == "-" || (!text.empty() && text.front() == '@')) {
        return read_value_source(text == "-" ? text : text.substr(1), key);
    }
    const std::size_t digits_from = !text.empty() && text.front() == '-' ? 1 : 0;
    const bool whole_number =
        text.size() > digits_from && text.size() - digits_from <= 18 &&
        text.find_first_not_of("0123456789", digits_from) == std::string::npos;
    if (whole_number) {
        return std::stoll(text);
    }
    return text;
}

nlohmann::json build_params(const CallOptions& options) {
    nlohmann::json params = nlohmann::json::object();
    if (!options.json_params.empty()) {
        try {
            params = nlohmann::json::parse(options.json_params);
        } catch (const nlohmann::json::exception&) {
            throw Error(Errc::usage, "--json-params is not valid JSON");
        }
        if (!params.is_object()) {
            throw Error(Errc::usage, "--json-params must be a JSON object");
        }
    }
    int stdin_uses = 0;
    for (const auto& pair : options.pairs) {
        const auto eq = pair.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw Error(Errc::usage, "expected key=value, got '" + pair + "'");
        }
        const std::string key = pair.substr(0, eq);
        const std::string value = pair.substr(eq + 1);
        if (value == "-" && ++stdin_uses > 1) {
            throw Error(Errc::usage, "only one value can be read from stdin");
        }
        params[key] = parse_value(key, value);
    }
    return params;
}

int run_call(const CallOptions& options) {
    const auto timeout =
        std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
    sidecar::SocketCaller caller(sidecar::sidecar_socket(options.socket), timeout);
    const auto reply = caller.call(options.method, build_params(options));
    if (!reply.result) {
        std::string message = reply.error.value("message", std::string("unknown error"));
        message += " (code " + std::to_string(reply.error.value("code", 0)) + ")";
        print_error(message);
        return to_int(ExitCode::failure);
    }
    std::cout << (::isatty(1) != 0 ? reply.result->dump(2) : reply.result->dump()) << '\n';
    return 0;
}

} // namespace

void add_call(CLI::App& parent, Outcome& outcome) {
    auto o = std::make_shared<CallOptions>();
    CLI::App* app = parent.add_subcommand("call", "Call a method of the run's sidecar");
    configure_app(*app);
    app->add_option("method", o->method, "The method, e.g. read_issue or signal_done")->required();
    app->add_option("params", o->pairs,
                    "Params as key=value; whole numbers are sent as numbers; key=@FILE and key=- "
                    "read the value from a file or stdin");
    app->add_option("--json-params", o->json_params, "Params as one JSON object");
    app->add_option("--socket", o->socket, "The sidecar socket [$FORGEBOT_SIDECAR_SOCKET]");
    app->add_option("--timeout", o->timeout_seconds, "Seconds to wait for the answer [300]")
        ->check(CLI::PositiveNumber);
    app->footer("Exit status: 0 ok, 1 the sidecar answered an error, 2 usage, 3 the sidecar is "
                "unreachable.");
    app->callback([&outcome, o] { outcome.exit_code = run_call(*o); });
}

} // namespace forgebot::cmd
