// The fake forge server: Boost.Beast over loopback TCP, one io thread, state behind one mutex, git
// requests handed to `git http-backend` on a small pool.
#include "fakes/fake_forge.hpp"

#include "util/process.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <thread>

namespace forgebot::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

namespace {

constexpr std::size_t k_max_request_body = 8 * 1024 * 1024;
constexpr std::size_t k_max_git_body = 64 * 1024 * 1024;
constexpr std::chrono::seconds k_cgi_timeout{30};
constexpr std::string_view k_gitea_prefix = "/api/v1";
constexpr std::int64_t k_github_repo_id = 4242;
constexpr std::string_view k_html_page =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Sign In</title></head>"
    "<body><form action=\"/user/login\"></form></body></html>\n";

/// A git request to answer by running `git http-backend` with this environment and stdin.
struct CgiCall {
    std::map<std::string, std::optional<std::string>> env;
    std::string body;
};

/// What the server sends back for one request.
struct Reply {
    int status = 200;
    std::string content_type = "application/json;charset=utf-8";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool truncate = false;
    std::chrono::milliseconds delay{0};
    /// When set, the answer is what this CGI call prints (run off the io thread), not the above.
    std::shared_ptr<const CgiCall> cgi;
};

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            const int high = hex_value(text[i + 1]);
            const int low = hex_value(text[i + 2]);
            if (high >= 0 && low >= 0) {
                out += static_cast<char>(high * 16 + low);
                i += 2;
                continue;
            }
        }
        out += (plus_is_space && text[i] == '+') ? ' ' : text[i];
    }
    return out;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t pos = 0;
    while (pos < path.size()) {
        if (path[pos] == '/') {
            ++pos;
            continue;
        }
        const auto end = std::min(path.find('/', pos), path.size());
        segments.push_back(percent_decode(path.substr(pos, end - pos), false));
        pos = end;
    }
    return segments;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
    std::map<std::string, std::string> params;
    std::size_t pos = 0;
    while (pos <= query.size() && !query.empty()) {
        const auto end = std::min(query.find('&', pos), query.size());
        const auto pair = query.substr(pos, end - pos);
        if (!pair.empty()) {
            const auto eq = pair.find('=');
            params[percent_decode(pair.substr(0, eq), true)] =
                eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true);
        }
        pos = end + 1;
    }
    return params;
}

std::optional<std::int64_t> parse_number(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
        return std::nullopt;
    }
    return value;
}

int query_int(const std::map<std::string, std::string>& query, const std::string& key,
              int fallback) {
    const auto it = query.find(key);
    if (it == query.end()) {
        return fallback;
    }
    const auto value = parse_number(it->second);
    if (!value || *value < 1 || *value > 1'000'000) {
        return fallback;
    }
    return static_cast<int>(*value);
}

json nullable(const std::optional<std::string>& text) {
    return text ? json(*text) : json(nullptr);
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (const char c : text) {
        int value = 0;
        if (c >= 'A' && c <= 'Z') {
            value = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            value = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            value = c - '0' + 52;
        } else if (c == '+' || c == '-') {
            value = 62;
        } else if (c == '/' || c == '_') {
            value = 63;
        } else if (c == '=') {
            break;
        } else {
            return std::nullopt;
        }
        bits = ((bits << 6) | static_cast<unsigned>(value)) & 0xFFFFFFu;
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xFFu);
        }
    }
    return out;
}

/// The user name and password of an `Authorization: Basic ...` value.
std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view value) {
    constexpr std::string_view scheme = "basic ";
    if (value.size() < scheme.size() || !iequals(value.substr(0, scheme.size()), scheme)) {
        return std::nullopt;
    }
    auto decoded = base64_decode(value.substr(scheme.size()));
    if (!decoded) {
        return std::nullopt;
    }
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) {
        return std::nullopt;
    }
    return std::pair{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

Reply text_reply(int status, std::string text) {
    Reply reply;
    reply.status = status;
    reply.content_type = "text/plain; charset=utf-8";
    reply.body = std::move(text);
    return reply;
}

/// The environment git needs whatever the machine's configuration says.
std::map<std::string, std::optional<std::string>> git_environment() {
    const char* path = std::getenv("PATH");
    return {{"PATH", path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin"},
            {"GIT_CONFIG_NOSYSTEM", "1"},
            {"GIT_CONFIG_GLOBAL", "/dev/null"},
            {"GIT_TERMINAL_PROMPT", "0"},
            {"LANG", "C"}};
}

util::ProcessResult run_git(const std::vector<std::string>& args) {
    util::ProcessOptions options;
    options.clean_env = true;
    options.env = git_environment();
    options.timeout = k_cgi_timeout;
    std::vector<std::string> argv{"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    return util::run_process(argv, options);
}

/// Turns a CGI program's output (headers, a blank line, the body) into a reply.
Reply parse_cgi_output(const std::string& out) {
    auto end = out.find("\r\n\r\n");
    std::size_t skip = 4;
    if (const auto lf = out.find("\n\n"); lf != std::string::npos && lf < end) {
        end = lf;
        skip = 2;
    }
    if (end == std::string::npos) {
        return text_reply(502, "git http-backend printed no CGI headers\n");
    }
    Reply reply;
    reply.content_type.clear();
    std::size_t pos = 0;
    while (pos < end) {
        auto eol = std::min(out.find('\n', pos), end);
        std::string line = out.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        const auto colon = line.find(':');
        if (colon == std::string::npos) {
            continue;
        }
        const std::string name = line.substr(0, colon);
        std::string value = line.substr(colon + 1);
        value.erase(0, std::min(value.find_first_not_of(' '), value.size()));
        if (iequals(name, "Status")) {
            const auto number = parse_number(std::string_view(value).substr(0, 3));
            reply.status =
                number && *number >= 100 && *number <= 599 ? static_cast<int>(*number) : 500;
        } else if (iequals(name, "Content-Type")) {
            reply.content_type = value;
        } else {
            reply.headers.emplace_back(name, value);
        }
    }
    reply.body = out.substr(end + skip);
    return reply;
}

/// Runs `git http-backend` for one request; never throws.
Reply run_cgi(const CgiCall& call) {
    util::ProcessOptions options;
    options.clean_env = true;
    options.env = call.env;
    options.stdin_data = call.body;
    options.timeout = k_cgi_timeout;
    try {
        const auto result = util::run_process({"git", "http-backend"}, options);
        if (result.timed_out) {
            return text_reply(504, "git http-backend timed out\n");
        }
        if (result.out.empty()) {
            return text_reply(500, "git http-backend failed: " + result.err);
        }
        return parse_cgi_output(result.out);
    } catch (const std::exception& e) {
        return text_reply(500, std::string("cannot run git http-backend: ") + e.what() + "\n");
    }
}

} // namespace

struct FakeForge::Impl {
    Impl(FakeForgeFlavor flavor_, std::string owner_, std::string repo_)
        : flavor(flavor_), owner(std::move(owner_)), repo(std::move(repo_)),
          acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
          port(acceptor.local_endpoint().port()) {}

    std::string origin() const { return "http://127.0.0.1:" + std::to_string(port); }
    std::string base_url() const {
        return flavor == FakeForgeFlavor::gitea ? origin() + std::string(k_gitea_prefix) : origin();
    }
    std::string web_url() const { return origin() + "/" + owner + "/" + repo; }
    /// For a path under `/OWNER/REPO.git/`, the rest of it (from its `/`), else std::nullopt.
    std::optional<std::string> git_path_info(std::string_view raw_path) const {
        const std::string path = percent_decode(raw_path, false);
        const std::string prefix = "/" + owner + "/" + repo + ".git";
        if (!path.starts_with(prefix + "/")) {
            return std::nullopt;
        }
        return path.substr(prefix.size());
    }

    void accept();
    Reply handle(const http::request<http::string_body>& request);

    // Everything below `mutex` is guarded by it; the io members are used by the io thread only.
    const FakeForgeFlavor flavor;
    const std::string owner;
    const std::string repo;
    asio::io_context io;
    tcp::acceptor acceptor;
    const std::uint16_t port;
    std::thread thread;
    // Rationale: declared after `io` so that it is destroyed first, with the sessions its
    // pending calls hold.
    asio::thread_pool cgi_pool{2};

    mutable std::mutex mutex;
    std::string token;
    std::string user = "forgebot";
    std::map<std::int64_t, FakeIssue> issues;
    std::map<std::int64_t, std::vector<FakeComment>> comments;
    std::map<std::string, std::int64_t> labels;
    std::set<std::pair<std::string, std::string>> members;
    std::optional<std::string> clone_url;
    std::string default_branch = "main";
    std::int64_t next_comment_id = 1001;
    std::int64_t next_label_id = 1;
    bool comment_paging = true;
    bool list_headers = true;
    std::vector<FakeFault> faults;
    std::vector<RecordedRequest> requests;
    std::optional<std::filesystem::path> git_repo;

private:
    Reply route(const RecordedRequest& request);
    Reply git(const RecordedRequest& request, const std::string& path_info) const;
    Reply error(int status, std::string_view message) const;
    Reply page(const std::string& api_path, const std::map<std::string, std::string>& query,
               const json& items, bool paged);
    json label_json(const std::string& name) const;
    json user_json(const std::string& login) const;
    json issue_json(const FakeIssue& issue) const;
    json pr_json(const FakeIssue& issue, bool list_form) const;
    json comment_json(const FakeComment& comment) const;
    json issue_labels_json(const FakeIssue& issue) const;
    bool authorised(const RecordedRequest& request) const;
};

namespace {

/// One connection: read a request, answer it (maybe after a delay), repeat while kept alive.
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, FakeForge::Impl& impl)
        : m_socket(std::move(socket)), m_timer(m_socket.get_executor()), m_impl(impl) {}

    void start() { read_next(); }

private:
    void read_next() {
        m_parser.emplace();
        m_parser->body_limit(k_max_request_body);
        http::async_read_header(m_socket, m_buffer, *m_parser,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    self->on_header(ec);
                                });
    }

    void on_header(beast::error_code ec) {
        if (ec) {
            on_read(ec);
            return;
        }
        const auto& request = m_parser->get();
        const std::string_view target(request.target().data(), request.target().size());
        if (m_impl.git_path_info(target.substr(0, target.find('?')))) {
            m_parser->body_limit(k_max_git_body);
        }
        const auto expect = request[http::field::expect];
        if (iequals(std::string_view(expect.data(), expect.size()), "100-continue")) {
            auto raw = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
            asio::async_write(m_socket, asio::buffer(*raw),
                              [self = shared_from_this(), raw](beast::error_code e, std::size_t) {
                                  if (e) {
                                      self->close();
                                      return;
                                  }
                                  self->read_body();
                              });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(
            m_socket, m_buffer, *m_parser,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
            close();
            return;
        }
        if (ec) {
            auto raw = std::make_shared<std::string>(
                "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            send_raw_then_close(raw);
            return;
        }
        auto reply = std::make_shared<Reply>(m_impl.handle(m_parser->get()));
        const bool keep_alive = m_parser->get().keep_alive();
        if (reply->cgi) {
            // Rationale: git may take a while; the io thread keeps serving meanwhile.
            asio::post(m_impl.cgi_pool, [self = shared_from_this(), reply, keep_alive,
                                         executor = m_socket.get_executor()] {
                auto answer = std::make_shared<Reply>(run_cgi(*reply->cgi));
                answer->headers.insert(answer->headers.end(), reply->headers.begin(),
                                       reply->headers.end());
                answer->truncate = reply->truncate;
                answer->delay = reply->delay;
                asio::post(executor,
                           [self, answer, keep_alive] { self->answer(answer, keep_alive); });
            });
            return;
        }
        answer(reply, keep_alive);
    }

    void answer(const std::shared_ptr<Reply>& reply, bool keep_alive) {
        if (reply->delay.count() > 0) {
            m_timer.expires_after(reply->delay);
            m_timer.async_wait([self = shared_from_this(), reply, keep_alive](beast::error_code e) {
                if (!e) {
                    self->send(reply, keep_alive);
                }
            });
            return;
        }
        send(reply, keep_alive);
    }

    void send(const std::shared_ptr<Reply>& reply, bool keep_alive) {
        if (reply->truncate) {
            const std::string& body = reply->body;
            auto raw = std::make_shared<std::string>(
                "HTTP/1.1 " + std::to_string(reply->status) +
                " OK\r\nContent-Type: " + reply->content_type +
                "\r\nContent-Length: " + std::to_string(body.size() * 2 + 16) +
                "\r\nConnection: close\r\n\r\n" + body.substr(0, body.size() / 2));
            send_raw_then_close(raw);
            return;
        }
        auto response = std::make_shared<http::response<http::string_body>>();
        response->version(11);
        response->result(static_cast<unsigned>(reply->status));
        response->set(http::field::server, "forgebot-fake-forge");
        if (!reply->body.empty()) {
            response->set(http::field::content_type, reply->content_type);
        }
        for (const auto& [name, value] : reply->headers) {
            response->set(name, value);
        }
        response->body() = reply->body;
        response->keep_alive(keep_alive);
        response->prepare_payload();
        http::async_write(m_socket, *response,
                          [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                              if (ec || response->need_eof()) {
                                  self->close();
                                  return;
                              }
                              self->read_next();
                          });
    }

    void send_raw_then_close(const std::shared_ptr<std::string>& raw) {
        asio::async_write(
            m_socket, asio::buffer(*raw),
            [self = shared_from_this(), raw](beast::error_code, std::size_t) { self->close(); });
    }

    void close() {
        beast::error_code ignored;
        m_socket.shutdown(tcp::socket::shutdown_both, ignored);
        m_socket.close(ignored);
    }

    tcp::socket m_socket;
    asio::steady_timer m_timer;
    FakeForge::Impl& m_impl;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
};

} // namespace

void FakeForge::Impl::accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (!ec) {
            std::make_shared<Session>(std::move(socket), *this)->start();
        }
        if (acceptor.is_open()) {
            accept();
        }
    });
}

Reply FakeForge::Impl::error(int status, std::string_view message) const {
    Reply reply;
    reply.status = status;
    json body{{"message", message}};
    if (flavor == FakeForgeFlavor::github) {
        body["documentation_url"] = "https://docs.github.com/rest";
    } else {
        body["url"] = origin() + "/api/swagger";
    }
    reply.body = body.dump();
    return reply;
}

bool FakeForge::Impl::authorised(const RecordedRequest& request) const {
    if (token.empty()) {
        return true;
    }
    const auto it = request.headers.find("authorization");
    const std::string expected = (flavor == FakeForgeFlavor::gitea ? "token " : "Bearer ") + token;
    return it != request.headers.end() && it->second == expected;
}

json FakeForge::Impl::label_json(const std::string& name) const {
    const auto it = labels.find(name);
    return {{"id", it == labels.end() ? 0 : it->second}, {"name", name}, {"color", "e11d21"}};
}

json FakeForge::Impl::issue_labels_json(const FakeIssue& issue) const {
    json list = json::array();
    for (const auto& name : issue.labels) {
        list.push_back(label_json(name));
    }
    return list;
}

json FakeForge::Impl::user_json(const std::string& login) const {
    json record{{"id", static_cast<std::int64_t>(std::hash<std::string>{}(login) % 100'000)},
                {"login", login}};
    if (flavor == FakeForgeFlavor::gitea) {
        record["login_name"] = "";
    }
    return record;
}

json FakeForge::Impl::issue_json(const FakeIssue& issue) const {
    json record{{"id", issue.number + 10'000},
                {"number", issue.number},
                {"title", issue.title},
                {"body", nullable(issue.body)},
                {"state", issue.state},
                {"user", {{"login", "reporter"}}},
                {"labels", issue_labels_json(issue)},
                {"assignees", json::array()},
                {"assignee", nullptr},
                {"html_url", web_url() + "/issues/" + std::to_string(issue.number)}};
    for (const auto& login : issue.assignees) {
        record["assignees"].push_back(user_json(login));
    }
    if (!issue.assignees.empty()) {
        record["assignee"] = user_json(issue.assignees.front());
    }
    if (issue.is_pull) {
        record["pull_request"] = {{"merged", issue.merged}};
    } else if (flavor == FakeForgeFlavor::gitea) {
        record["pull_request"] = nullptr;
    }
    return record;
}

json FakeForge::Impl::pr_json(const FakeIssue& issue, bool list_form) const {
    const std::string number = std::to_string(issue.number);
    json record{
        {"id", issue.number + 20'000},
        {"number", issue.number},
        {"title", issue.title},
        {"body", nullable(issue.body)},
        {"state", issue.state},
        {"user", {{"login", "forgebot"}}},
        {"labels", issue_labels_json(issue)},
        {"merged_at", issue.merged ? json("2025-01-02T03:04:05Z") : json(nullptr)},
        {"head", {{"ref", issue.head_branch}, {"label", issue.head_branch}, {"sha", "abc123"}}},
        {"base", {{"ref", issue.base_branch}, {"label", issue.base_branch}, {"sha", "def456"}}},
        {"html_url",
         web_url() + (flavor == FakeForgeFlavor::github ? "/pull/" : "/pulls/") + number}};
    // Rationale: GitHub's list form has no `merged`, only `merged_at`; clients must cope.
    if (!list_form || flavor == FakeForgeFlavor::gitea) {
        record["merged"] = issue.merged;
    }
    return record;
}

json FakeForge::Impl::comment_json(const FakeComment& comment) const {
    return {{"id", comment.id},
            {"body", nullable(comment.body)},
            {"user", {{"login", comment.user}}},
            {"html_url", web_url() + "/issues#issuecomment-" + std::to_string(comment.id)},
            {"created_at", "2025-01-02T03:04:05Z"}};
}

Reply FakeForge::Impl::page(const std::string& api_path,
                            const std::map<std::string, std::string>& query, const json& items,
                            bool paged) {
    Reply reply;
    const int total = static_cast<int>(items.size());
    if (flavor == FakeForgeFlavor::gitea && !paged) {
        reply.body = items.dump();
        if (list_headers) {
            reply.headers.emplace_back("X-Total-Count", std::to_string(total));
        }
        return reply;
    }
    const bool gitea = flavor == FakeForgeFlavor::gitea;
    const int size = gitea ? std::min(query_int(query, "limit", 50), 50)
                           : std::min(query_int(query, "per_page", 30), 100);
    const int number = query_int(query, "page", 1);
    const int first = std::min((number - 1) * size, total);
    const int last = std::min(first + size, total);
    json slice = json::array();
    for (int i = first; i < last; ++i) {
        slice.push_back(items[static_cast<std::size_t>(i)]);
    }
    reply.body = slice.dump();
    if (!list_headers) {
        return reply;
    }
    const int pages = std::max((total + size - 1) / size, 1);
    // Rationale: GitHub's links name the repository by id, not owner/repo; clients must follow
    // them as given.
    std::string link_base = base_url() + api_path;
    if (!gitea) {
        const std::string repo_prefix = "/repos/" + owner + "/" + repo;
        if (api_path.starts_with(repo_prefix)) {
            link_base = base_url() + "/repositories/" + std::to_string(k_github_repo_id) +
                        api_path.substr(repo_prefix.size());
        }
    }
    std::string keep;
    for (const auto& [key, value] : query) {
        if (key != "page" && key != "limit" && key != "per_page") {
            keep += "&" + key + "=" + value;
        }
    }
    const auto link = [&](int target, std::string_view rel) {
        const std::string size_param = gitea ? "limit=" : "per_page=";
        return "<" + link_base + "?page=" + std::to_string(target) + "&" + size_param +
               std::to_string(size) + keep + ">; rel=\"" + std::string(rel) + "\"";
    };
    std::vector<std::string> links;
    if (number < pages) {
        links.push_back(link(number + 1, "next"));
        links.push_back(link(pages, "last"));
    }
    if (number > 1) {
        links.push_back(link(1, "first"));
        links.push_back(link(number - 1, "prev"));
    }
    if (!links.empty()) {
        std::string value;
        for (const auto& entry : links) {
            value += (value.empty() ? "" : ", ") + entry;
        }
        reply.headers.emplace_back("Link", value);
    }
    if (gitea) {
        reply.headers.emplace_back("X-Total-Count", std::to_string(total));
    }
    return reply;
}

Reply FakeForge::Impl::handle(const http::request<http::string_body>& request) {
    const std::lock_guard lock(mutex);
    RecordedRequest recorded;
    recorded.method = std::string(request.method_string());
    recorded.target = std::string(request.target());
    const auto question = recorded.target.find('?');
    recorded.path = recorded.target.substr(0, question);
    recorded.query = question == std::string::npos ? "" : recorded.target.substr(question + 1);
    if (flavor == FakeForgeFlavor::gitea && recorded.path.starts_with(k_gitea_prefix) &&
        (recorded.path.size() == k_gitea_prefix.size() ||
         recorded.path[k_gitea_prefix.size()] == '/')) {
        recorded.path = recorded.path.substr(k_gitea_prefix.size());
    }
    for (const auto& field : request) {
        std::string name(field.name_string());
        for (char& c : name) {
            c = ascii_lower(c);
        }
        auto [it, inserted] = recorded.headers.try_emplace(name, field.value());
        if (!inserted) {
            it->second += ", " + std::string(field.value());
        }
    }
    recorded.body = request.body();
    requests.push_back(recorded);

    std::optional<FakeFault> fault;
    for (auto it = faults.begin(); it != faults.end(); ++it) {
        if ((it->method.empty() || it->method == recorded.method) && it->path == recorded.path) {
            fault = *it;
            if (--it->count <= 0) {
                faults.erase(it);
            }
            break;
        }
    }

    Reply reply;
    try {
        if (fault && fault->html) {
            reply.status = fault->status != 0 ? fault->status : 200;
            reply.content_type = "text/html; charset=utf-8";
            reply.body = std::string(k_html_page);
        } else if (fault && fault->status != 0) {
            reply = fault->body.empty()
                        ? error(fault->status, "fault " + std::to_string(fault->status))
                        : Reply{fault->status,
                                "application/json;charset=utf-8",
                                {},
                                fault->body,
                                false,
                                {},
                                {}};
        } else if (const auto path_info = git_path_info(recorded.path); path_info && git_repo) {
            reply = git(recorded, *path_info);
        } else {
            reply = route(recorded);
        }
    } catch (const std::exception& e) {
        reply = error(500, std::string("fake forge failed: ") + e.what());
    }
    if (fault) {
        reply.headers.insert(reply.headers.end(), fault->headers.begin(), fault->headers.end());
        reply.truncate = fault->truncate;
        reply.delay = fault->delay;
    }
    return reply;
}

Reply FakeForge::Impl::git(const RecordedRequest& request, const std::string& path_info) const {
    std::optional<std::pair<std::string, std::string>> credentials;
    if (const auto it = request.headers.find("authorization"); it != request.headers.end()) {
        credentials = basic_credentials(it->second);
    }
    if (!token.empty() && (!credentials || credentials->second != token)) {
        Reply reply = text_reply(401, "authentication required\n");
        reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"fake\"");
        return reply;
    }
    auto call = std::make_shared<CgiCall>();
    call->env = git_environment();
    const auto header = [&](const std::string& name) -> std::optional<std::string> {
        const auto it = request.headers.find(name);
        return it == request.headers.end() ? std::nullopt : std::optional(it->second);
    };
    call->env.insert({{"HOME", git_repo->string()},
                      {"GATEWAY_INTERFACE", "CGI/1.1"},
                      {"SERVER_PROTOCOL", "HTTP/1.1"},
                      {"GIT_PROJECT_ROOT", git_repo->string()},
                      {"GIT_HTTP_EXPORT_ALL", "1"},
                      {"PATH_INFO", path_info},
                      {"REQUEST_METHOD", request.method},
                      {"QUERY_STRING", request.query},
                      {"CONTENT_LENGTH", std::to_string(request.body.size())},
                      {"CONTENT_TYPE", header("content-type")},
                      {"HTTP_CONTENT_ENCODING", header("content-encoding")},
                      {"HTTP_GIT_PROTOCOL", header("git-protocol")},
                      {"GIT_PROTOCOL", header("git-protocol")},
                      {"REMOTE_ADDR", "127.0.0.1"},
                      {"REMOTE_USER", credentials && !credentials->first.empty()
                                          ? std::optional(credentials->first)
                                          : std::nullopt},
                      {"GIT_CONFIG_COUNT", "1"},
                      {"GIT_CONFIG_KEY_0", "http.receivepack"},
                      {"GIT_CONFIG_VALUE_0", "true"}});
    call->body = request.body;
    Reply reply;
    reply.cgi = std::move(call);
    return reply;
}

Reply FakeForge::Impl::route(const RecordedRequest& request) {
    const bool gitea = flavor == FakeForgeFlavor::gitea;
    if (gitea && !request.target.starts_with(std::string(k_gitea_prefix) + "/")) {
        // Gitea serves its web UI outside /api/v1: a wrong API base gets HTML.
        Reply reply;
        reply.status = 404;
        reply.content_type = "text/html; charset=utf-8";
        reply.body = std::string(k_html_page);
        return reply;
    }
    if (!authorised(request)) {
        return error(401, gitea ? "token is required" : "Bad credentials");
    }
    std::vector<std::string> segments = split_path(request.path);
    if (!gitea && segments.size() >= 2 && segments[0] == "repositories" &&
        segments[1] == std::to_string(k_github_repo_id)) {
        segments.erase(segments.begin(), segments.begin() + 2);
        segments.insert(segments.begin(), {"repos", owner, repo});
    }
    const auto query = parse_query(request.query);
    const std::string& method = request.method;
    const json body =
        request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
    const bool writes = method == "POST" || method == "PATCH" || method == "PUT";
    if (writes && !body.is_object()) {
        return error(400, "Problems parsing JSON");
    }
    const std::size_t n = segments.size();

    if (n == 1 && segments[0] == "user" && method == "GET") {
        Reply reply;
        reply.body = json{{"id", 1}, {"login", user}, {"username", user}}.dump();
        return reply;
    }
    if (n == 4 && segments[0] == "orgs" && segments[2] == "members" && method == "GET") {
        Reply reply;
        reply.status = members.contains({segments[1], segments[3]}) ? 204 : 404;
        return reply;
    }
    if (n < 3 || segments[0] != "repos") {
        return error(404, "Not Found");
    }
    if (segments[1] != owner || segments[2] != repo) {
        return error(404, "repository does not exist");
    }
    const std::string repo_path = "/repos/" + owner + "/" + repo;
    if (n == 3 && method == "GET") {
        Reply reply;
        reply.body = json{{"id", k_github_repo_id},
                          {"name", repo},
                          {"full_name", owner + "/" + repo},
                          {"owner", {{"login", owner}}},
                          {"html_url", web_url()},
                          {"clone_url", clone_url.value_or(web_url() + ".git")},
                          {"default_branch", default_branch}}
                         .dump();
        return reply;
    }
    if (n == 4 && segments[3] == "pulls") {
        if (method == "GET") {
            const std::string state = query.contains("state") ? query.at("state") : "open";
            json items = json::array();
            for (auto it = issues.rbegin(); it != issues.rend(); ++it) {
                if (it->second.is_pull && (state == "all" || it->second.state == state)) {
                    items.push_back(pr_json(it->second, true));
                }
            }
            return page(repo_path + "/pulls", query, items, true);
        }
        if (method == "POST") {
            const std::string head = body.value("head", "");
            const std::string base = body.value("base", "");
            const std::string title = body.value("title", "");
            if (head.empty() || base.empty() || title.empty()) {
                return error(422, "head, base and title are required");
            }
            for (const auto& [number, existing] : issues) {
                if (existing.is_pull && existing.state == "open" && existing.head_branch == head) {
                    return gitea ? error(409, "pull request already exists for these targets")
                                 : error(422, "A pull request already exists for " + owner + ":" +
                                                  head + ".");
                }
            }
            FakeIssue pr;
            pr.number = issues.empty() ? 1 : issues.rbegin()->first + 1;
            pr.title = title;
            pr.body = body.contains("body") && body["body"].is_string()
                          ? std::optional<std::string>(body["body"].get<std::string>())
                          : std::nullopt;
            pr.is_pull = true;
            pr.head_branch = head;
            pr.base_branch = base;
            issues[pr.number] = pr;
            Reply reply;
            reply.status = 201;
            reply.body = pr_json(pr, false).dump();
            return reply;
        }
        return error(405, "Method Not Allowed");
    }
    if (n == 4 && segments[3] == "issues") {
        if (method != "GET") {
            return error(405, "Method Not Allowed");
        }
        // Both forges list newest first; GitHub's list holds PRs too, Gitea's unless
        // type=issues (or only them with type=pulls).
        const std::string state = query.contains("state") ? query.at("state") : "open";
        const std::string type = gitea && query.contains("type") ? query.at("type") : "";
        json items = json::array();
        for (auto it = issues.rbegin(); it != issues.rend(); ++it) {
            const FakeIssue& listed = it->second;
            if ((state == "all" || listed.state == state) &&
                (type.empty() || (type == "pulls") == listed.is_pull)) {
                items.push_back(issue_json(listed));
            }
        }
        return page(repo_path + "/issues", query, items, true);
    }
    if (n < 5 || (segments[3] != "issues" && segments[3] != "pulls")) {
        return error(404, "Not Found");
    }
    const auto number = parse_number(segments[4]);
    const auto found = number ? issues.find(*number) : issues.end();
    if (found == issues.end()) {
        return error(404, segments[3] == "pulls" ? "pull request does not exist"
                                                 : "issue does not exist");
    }
    FakeIssue& issue = found->second;
    const std::string issue_path = repo_path + "/issues/" + std::to_string(issue.number);

    if (segments[3] == "pulls") {
        if (n == 5 && method == "GET" && issue.is_pull) {
            Reply reply;
            reply.body = pr_json(issue, false).dump();
            return reply;
        }
        return error(404, "pull request does not exist");
    }
    if (n == 5) {
        if (method == "GET") {
            Reply reply;
            reply.body = issue_json(issue).dump();
            return reply;
        }
        if (method == "PATCH") {
            if (body.contains("body")) {
                issue.body = body["body"].is_string()
                                 ? std::optional<std::string>(body["body"].get<std::string>())
                                 : std::nullopt;
            }
            if (body.contains("title") && body["title"].is_string()) {
                issue.title = body["title"].get<std::string>();
            }
            if (body.contains("state") && body["state"].is_string()) {
                issue.state = body["state"].get<std::string>();
            }
            Reply reply;
            reply.status = gitea ? 201 : 200;
            reply.body = issue_json(issue).dump();
            return reply;
        }
        return error(405, "Method Not Allowed");
    }
    if (n == 6 && segments[5] == "comments") {
        if (method == "GET") {
            json items = json::array();
            for (const auto& comment : comments[issue.number]) {
                items.push_back(comment_json(comment));
            }
            return page(issue_path + "/comments", query, items, !gitea || comment_paging);
        }
        if (method == "POST") {
            if (!body.contains("body") || !body["body"].is_string()) {
                return error(422, "body is required");
            }
            FakeComment comment{next_comment_id++, user, body["body"].get<std::string>()};
            comments[issue.number].push_back(comment);
            Reply reply;
            reply.status = 201;
            reply.body = comment_json(comment).dump();
            return reply;
        }
        return error(405, "Method Not Allowed");
    }
    if (n == 6 && segments[5] == "labels") {
        if (method == "GET") {
            Reply reply;
            reply.body = issue_labels_json(issue).dump();
            return reply;
        }
        if (method == "POST") {
            if (!body.contains("labels") || !body["labels"].is_array()) {
                return error(422, "labels is required");
            }
            for (const auto& entry : body["labels"]) {
                std::string name;
                if (entry.is_string()) {
                    name = entry.get<std::string>();
                } else if (entry.is_number_integer()) {
                    const auto id = entry.get<std::int64_t>();
                    for (const auto& [label_name, label_id] : labels) {
                        if (label_id == id) {
                            name = label_name;
                        }
                    }
                }
                if (!labels.contains(name)) {
                    if (gitea || name.empty()) {
                        return error(404, "label does not exist");
                    }
                    labels[name] = next_label_id++;
                }
                if (std::find(issue.labels.begin(), issue.labels.end(), name) ==
                    issue.labels.end()) {
                    issue.labels.push_back(name);
                }
            }
            Reply reply;
            reply.body = issue_labels_json(issue).dump();
            return reply;
        }
        return error(405, "Method Not Allowed");
    }
    if (n == 7 && segments[5] == "labels" && method == "DELETE") {
        std::string name = segments[6];
        if (gitea) {
            const auto id = parse_number(segments[6]);
            name.clear();
            for (const auto& [label_name, label_id] : labels) {
                if (id && label_id == *id) {
                    name = label_name;
                }
            }
            if (name.empty()) {
                return error(422, "label does not exist");
            }
        }
        const auto at = std::find(issue.labels.begin(), issue.labels.end(), name);
        if (at == issue.labels.end()) {
            if (gitea) {
                return Reply{204, "", {}, "", false, {}, {}};
            }
            return error(404, "Label does not exist");
        }
        issue.labels.erase(at);
        if (gitea) {
            return Reply{204, "", {}, "", false, {}, {}};
        }
        Reply reply;
        reply.body = issue_labels_json(issue).dump();
        return reply;
    }
    return error(404, "Not Found");
}

FakeForge::FakeForge(FakeForgeFlavor flavor, std::string owner, std::string repo)
    : m_impl(std::make_unique<Impl>(flavor, std::move(owner), std::move(repo))) {
    m_impl->accept();
    m_impl->thread = std::thread([impl = m_impl.get()] {
        // Rationale: a handler that throws must not end the server thread (or the test run).
        while (true) {
            try {
                impl->io.run();
                return;
            } catch (...) {
            }
        }
    });
}

FakeForge::~FakeForge() {
    m_impl->io.stop();
    if (m_impl->thread.joinable()) {
        m_impl->thread.join();
    }
    m_impl->cgi_pool.stop();
    m_impl->cgi_pool.join();
}

std::string FakeForge::base_url() const {
    return m_impl->base_url();
}

std::string FakeForge::origin() const {
    return m_impl->origin();
}

std::uint16_t FakeForge::port() const {
    return m_impl->port;
}

FakeForgeFlavor FakeForge::flavor() const {
    return m_impl->flavor;
}

void FakeForge::set_token(std::string token) {
    const std::lock_guard lock(m_impl->mutex);
    m_impl->token = std::move(token);
}

void FakeForge::set_user(std::string login) {
    const std::lock_guard lock(m_impl->mutex);
    m_impl->user = std::move(login);
}

void FakeForge::put_issue(FakeIssue issue) {
    const std::lock_guard lock(m_impl->mutex);
    for (const auto& label : issue.labels) {
        if (!m_impl->labels.contains(label)) {
            m_impl->labels[label] = m_impl->next_label_id++;
        }
    }
    m_impl->issues[issue.number] = std::move(issue);
}

std::int64_t FakeForge::add_comment(std::int64_t number, std::string user,
                                    std::optional<std::string> body) {
    const std::lock_guard lock(m_impl->mutex);
    const std::int64_t id = m_impl->next_comment_id++;
    m_impl->comments[number].push_back({id, std::move(user), std::move(body)});
    return id;
}

std::int64_t FakeForge::add_repo_label(std::string name) {
    const std::lock_guard lock(m_impl->mutex);
    const auto [it, inserted] = m_impl->labels.try_emplace(std::move(name), m_impl->next_label_id);
    if (inserted) {
        ++m_impl->next_label_id;
    }
    return it->second;
}

void FakeForge::add_org_member(std::string org, std::string user) {
    const std::lock_guard lock(m_impl->mutex);
    m_impl->members.emplace(std::move(org), std::move(user));
}

void FakeForge::set_clone_url(std::string url) {
    const std::lock_guard lock(m_impl->mutex);
    m_impl->clone_url = std::move(url);
}

void FakeForge::set_default_branch(std::string branch) {
    const std::lock_guard lock(m_impl->mutex);
    m_impl->default_branch = std::move(branch);
}

void FakeForge::set_comment_paging(bool paged) {
    const std::lock_guard lock(m_impl->mutex);
    m_impl->comment_paging = paged;
}

void FakeForge::set_list_headers(bool on) {
    const std::lock_guard lock(m_impl->mutex);
    m_impl->list_headers = on;
}

void FakeForge::add_fault(FakeFault fault) {
    const std::lock_guard lock(m_impl->mutex);
    m_impl->faults.push_back(std::move(fault));
}

void FakeForge::serve_git(std::filesystem::path bare_repo) {
    bare_repo = std::filesystem::absolute(bare_repo);
    if (!std::filesystem::exists(bare_repo / "HEAD")) {
        const auto result =
            run_git({"init", "--quiet", "--bare", "--initial-branch=main", bare_repo.string()});
        if (result.exit_code != 0) {
            throw std::runtime_error("cannot create " + bare_repo.string() + ": " + result.err);
        }
    }
    const std::lock_guard lock(m_impl->mutex);
    m_impl->git_repo = std::move(bare_repo);
}

std::optional<std::string> FakeForge::git_ref(const std::string& ref) const {
    std::optional<std::filesystem::path> repo;
    {
        const std::lock_guard lock(m_impl->mutex);
        repo = m_impl->git_repo;
    }
    if (!repo) {
        return std::nullopt;
    }
    const auto result = run_git({"--git-dir=" + repo->string(), "rev-parse", "--verify", "--quiet",
                                 "--end-of-options", ref + "^{commit}"});
    std::string commit = result.out;
    while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r')) {
        commit.pop_back();
    }
    if (result.exit_code != 0 || commit.empty()) {
        return std::nullopt;
    }
    return commit;
}

std::optional<FakeIssue> FakeForge::issue(std::int64_t number) const {
    const std::lock_guard lock(m_impl->mutex);
    const auto it = m_impl->issues.find(number);
    if (it == m_impl->issues.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::vector<FakeComment> FakeForge::comments(std::int64_t number) const {
    const std::lock_guard lock(m_impl->mutex);
    const auto it = m_impl->comments.find(number);
    return it == m_impl->comments.end() ? std::vector<FakeComment>{} : it->second;
}

std::vector<RecordedRequest> FakeForge::requests() const {
    const std::lock_guard lock(m_impl->mutex);
    return m_impl->requests;
}

std::size_t FakeForge::count(std::string_view method, std::string_view path) const {
    const std::lock_guard lock(m_impl->mutex);
    return static_cast<std::size_t>(
        std::count_if(m_impl->requests.begin(), m_impl->requests.end(), [&](const auto& request) {
            return (method.empty() || request.method == method) && request.path == path;
        }));
}

void FakeForge::clear_requests() {
    const std::lock_guard lock(m_impl->mutex);
    m_impl->requests.clear();
}

} // namespace forgebot::testing
