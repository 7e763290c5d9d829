// A loopback HTTP server speaking the subset of the Gitea or GitHub API forgebot uses, with faults
// and, on request, real git hosting over smart HTTP.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forgebot::testing {

/// Which API the fake speaks: Gitea's under `/api/v1`, or GitHub's at the root.
enum class FakeForgeFlavor { gitea, github };

/// One request as the fake received it.
struct RecordedRequest {
    std::string method;
    /// The path relative to the API base (`/repos/o/r/issues/5`), still percent-encoded, without
    /// the query. For a Gitea request outside `/api/v1`, the path as received.
    std::string path;
    std::string query;                          ///< after `?`, "" when none
    std::string target;                         ///< the request target exactly as received
    std::map<std::string, std::string> headers; ///< lowercase names
    std::string body;
};

/// An issue, or a pull request when `is_pull` (PRs are issues too, as on both forges).
struct FakeIssue {
    std::int64_t number = 0;
    std::string title{};
    std::optional<std::string> body{}; ///< std::nullopt is served as JSON null
    std::string state = "open";        ///< "open" or "closed"
    std::vector<std::string> labels{};
    bool is_pull = false;
    std::string head_branch{}; ///< PRs only
    std::string base_branch{}; ///< PRs only
    bool merged = false;       ///< PRs only
    /// Logins, served as `assignees` (and the first as `assignee`).
    std::vector<std::string> assignees{};
};

/// A comment on an issue or PR.
struct FakeComment {
    std::int64_t id = 0;
    std::string user{};
    std::optional<std::string> body{};
};

/// A scripted misbehaviour for the next `count` requests matching `method` and `path`.
struct FakeFault {
    std::string method{}; ///< "" matches every method
    std::string path{};   ///< relative to the API base, percent-encoded, without query
    int count = 1;
    /// The status to answer instead of the normal one; 0 keeps the normal answer.
    int status = 0;
    /// The body for `status`; empty means a JSON error object naming the status.
    std::string body{};
    /// Extra headers, e.g. {"Retry-After", "2"}.
    std::vector<std::pair<std::string, std::string>> headers{};
    bool html = false;     ///< answer an HTML page (status 200 unless `status` is set)
    bool truncate = false; ///< declare a longer Content-Length than sent, send half, close
    std::chrono::milliseconds delay{0}; ///< wait this long before answering
};

/// The server. It listens on 127.0.0.1 on an ephemeral port from construction and serves from
/// its own thread until destruction, which stops it at once (even mid-delay). All methods are
/// thread-safe. Malformed requests get 400 and never stop the server.
class FakeForge {
public:
    /// Starts serving the repository `owner/repo` (empty state but for the repository record).
    explicit FakeForge(FakeForgeFlavor flavor, std::string owner = "o", std::string repo = "r");
    ~FakeForge();
    FakeForge(const FakeForge&) = delete;
    FakeForge& operator=(const FakeForge&) = delete;

    /// The API base: `http://127.0.0.1:PORT/api/v1` (Gitea) or `http://127.0.0.1:PORT` (GitHub).
    std::string base_url() const;
    /// `http://127.0.0.1:PORT`.
    std::string origin() const;
    std::uint16_t port() const;
    FakeForgeFlavor flavor() const;

    /// Requests must then carry `Authorization: token TOKEN` (Gitea) or `Bearer TOKEN` (GitHub),
    /// and git requests HTTP Basic credentials whose password is TOKEN (any user name), else 401
    /// (git's with `WWW-Authenticate: Basic realm="fake"`). Empty (the default) accepts anything.
    void set_token(std::string token);
    /// The login comments created through the API are attributed to (default "forgebot").
    void set_user(std::string login);
    /// Adds or replaces an issue or PR.
    void put_issue(FakeIssue issue);
    /// Adds a comment and returns its id.
    std::int64_t add_comment(std::int64_t number, std::string user,
                             std::optional<std::string> body);
    /// Adds a repository label and returns its id.
    std::int64_t add_repo_label(std::string name);
    void add_org_member(std::string org, std::string user);
    /// The `clone_url` of the repository record (default `ORIGIN/OWNER/REPO.git`).
    void set_clone_url(std::string url);
    /// The `default_branch` of the repository record (default "main").
    void set_default_branch(std::string branch);
    /// Gitea only: false makes the comment list ignore page/limit and answer everything with
    /// X-Total-Count, as real Gitea does.
    void set_comment_paging(bool paged);
    /// false drops Link and X-Total-Count headers from list answers.
    void set_list_headers(bool on);
    /// Scripts a fault; several may be queued, the first matching one answers. Git requests are
    /// matched by their full path (`/o/r.git/git-receive-pack`).
    void add_fault(FakeFault fault);

    /// Hosts the bare repository `bare_repo` (created empty, initial branch "main", when missing)
    /// over git's smart HTTP protocol at `ORIGIN/OWNER/REPO.git`, the default clone_url: requests
    /// under that path are answered by `git http-backend` run as a CGI, pushes included. Git
    /// requests are recorded like API requests (path as received, e.g. `/o/r.git/info/refs`).
    /// Bodies up to 64 MiB are accepted there. Throws std::runtime_error when git cannot create
    /// the repository.
    void serve_git(std::filesystem::path bare_repo);
    /// The commit `ref` (e.g. `refs/heads/main`) names in the hosted repository, std::nullopt
    /// when it names none or nothing is hosted.
    std::optional<std::string> git_ref(const std::string& ref) const;

    std::optional<FakeIssue> issue(std::int64_t number) const;
    std::vector<FakeComment> comments(std::int64_t number) const;

    /// Every request received so far, in order.
    std::vector<RecordedRequest> requests() const;
    /// How many requests had this method ("" for any) and path.
    std::size_t count(std::string_view method, std::string_view path) const;
    void clear_requests();

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace forgebot::testing
