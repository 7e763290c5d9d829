// Every request the Gitea client makes must be an operation of Gitea's published Swagger spec.
#include "fakes/fake_forge.hpp"
#include "fakes/peers.hpp"
#include "forge/client.hpp"
#include "forge_fixture.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

using forgebot::forge::ForgeKind;
using forgebot::testing::FakeForgeFlavor;
using forgebot::testing::FakeIssue;
using forgebot::testing::ForgeUnderTest;
using forgebot::testing::RecordedRequest;
using nlohmann::json;

namespace {

std::vector<std::string> segments(std::string_view path) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < path.size()) {
        if (path[pos] == '/') {
            ++pos;
            continue;
        }
        const auto end = std::min(path.find('/', pos), path.size());
        out.emplace_back(path.substr(pos, end - pos));
        pos = end;
    }
    return out;
}

/// True when a spec path template (`/repos/{owner}/{repo}`) matches a concrete path, a `{param}`
/// standing for exactly one segment.
bool template_matches(std::string_view spec_path, std::string_view path) {
    const auto want = segments(spec_path);
    const auto have = segments(path);
    if (want.size() != have.size()) {
        return false;
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
        const bool param = want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}';
        if (!param && want[i] != have[i]) {
            return false;
        }
    }
    return true;
}

/// Resolves `{"$ref": "#/definitions/X"}` against the spec.
const json& resolve(const json& spec, const json& schema) {
    if (schema.contains("$ref")) {
        const std::string ref = schema.at("$ref").get<std::string>();
        const std::string prefix = "#/definitions/";
        REQUIRE(ref.starts_with(prefix));
        return spec.at("definitions").at(ref.substr(prefix.size()));
    }
    return schema;
}

std::set<std::string> query_names(std::string_view query) {
    std::set<std::string> names;
    std::size_t pos = 0;
    while (pos < query.size()) {
        const auto end = std::min(query.find('&', pos), query.size());
        const auto pair = query.substr(pos, end - pos);
        names.emplace(pair.substr(0, pair.find('=')));
        pos = end + 1;
    }
    return names;
}

/// Checks one recorded request against the spec; returns what is wrong, "" when it conforms.
std::string check_request(const json& spec, const RecordedRequest& request) {
    std::string method = request.method;
    for (char& c : method) {
        c = static_cast<char>(c - 'A' + 'a');
    }
    const json* operation = nullptr;
    const json* path_item = nullptr;
    for (const auto& [spec_path, item] : spec.at("paths").items()) {
        if (template_matches(spec_path, request.path) && item.contains(method)) {
            // Prefer a literal segment over a {param} (`/issues/comments` vs `/issues/{index}`).
            if (operation == nullptr || spec_path.find('{') == std::string::npos) {
                operation = &item.at(method);
                path_item = &item;
            }
        }
    }
    if (operation == nullptr) {
        return "no operation " + request.method + " " + request.path;
    }
    std::set<std::string> query_params;
    const json* body_schema = nullptr;
    for (const json* owner : {path_item, operation}) {
        const auto parameters = owner->find("parameters");
        if (parameters == owner->end() || !parameters->is_array()) {
            continue;
        }
        for (const auto& parameter : *parameters) {
            if (parameter.value("in", "") == "query") {
                query_params.insert(parameter.value("name", ""));
            }
            if (parameter.value("in", "") == "body") {
                body_schema = &resolve(spec, parameter.at("schema"));
            }
        }
    }
    // Known, deliberate deviation: Gitea's per-issue comment list takes no paging parameters and
    // answers every comment; the client still sends page/limit so a forge that does page works.
    const bool comments =
        request.method == "GET" &&
        template_matches("/repos/{owner}/{repo}/issues/{index}/comments", request.path);
    for (const auto& name : query_names(request.query)) {
        if (!query_params.contains(name) && !(comments && (name == "page" || name == "limit"))) {
            return request.method + " " + request.path + ": query parameter '" + name +
                   "' is not in the spec";
        }
    }
    if (request.body.empty()) {
        return {};
    }
    if (body_schema == nullptr) {
        return request.method + " " + request.path + ": sends a body the spec does not take";
    }
    const json body = json::parse(request.body);
    if (!body.is_object()) {
        return request.method + " " + request.path + ": body is not an object";
    }
    for (const auto& [field, value] : body.items()) {
        if (!body_schema->contains("properties") ||
            !body_schema->at("properties").contains(field)) {
            return request.method + " " + request.path + ": body field '" + field +
                   "' is not in the spec";
        }
    }
    return {};
}

/// Drives every Gitea client call, including paging and label removal.
void exercise(ForgeUnderTest& t) {
    t.fake.put_issue({.number = 5, .title = "issue", .body = "b"});
    for (int i = 0; i < 60; ++i) {
        t.fake.add_comment(5, "u", "c" + std::to_string(i));
    }
    for (std::int64_t n = 10; n < 65; ++n) {
        FakeIssue pr{
            .number = n, .title = "pr", .is_pull = true, .head_branch = "h", .base_branch = "main"};
        t.fake.put_issue(pr);
    }
    t.fake.add_repo_label("forgebot:working");
    t.fake.add_org_member("acme", "alice");
    const auto forge = t.client();
    forge->read_issue(5);
    forge->read_pr(10);
    forge->read_comments(5);
    forge->list_open_issues();
    forge->post_comment(5, "hello");
    forge->update_description(5, "new body");
    forge->is_org_member("acme", "alice");
    forge->is_org_member("acme", "bob");
    forge->get_pr_for_issue(5);
    forge->is_pr_open(10);
    const auto pr = forge->create_pull_request("forgebot/5-x", "main", "title", "Fixes #5");
    forge->add_label(5, "forgebot:working");
    forge->remove_label(5, "forgebot:working");
    forge->remove_label(pr.number, "absent");
    forge->clone_url();
    forge->default_branch();
}

} // namespace

TEST_CASE("Every request the Gitea client makes is an operation of Gitea's spec", "[forge]") {
    const auto peers = forgebot::testing::peers_dir("gitea spec check");
    if (!peers) {
        return;
    }
    std::ifstream file(*peers / "gitea" / "swagger.v1.json");
    REQUIRE(file.good());
    const json spec = json::parse(file);
    REQUIRE(spec.value("basePath", "") == "/api/v1");

    ForgeUnderTest t(ForgeKind::gitea);
    exercise(t);
    const auto requests = t.fake.requests();

    std::set<std::string> methods;
    for (const auto& request : requests) {
        INFO(request.method << " " << request.target << " " << request.body);
        CHECK(request.target.starts_with("/api/v1/"));
        CHECK(check_request(spec, request) == "");
        methods.insert(request.method);
    }
    CHECK(requests.size() >= 15);
    CHECK(methods == std::set<std::string>{"DELETE", "GET", "PATCH", "POST"});
}

TEST_CASE("The Gitea spec check rejects requests the spec does not describe", "[forge]") {
    const auto peers = forgebot::testing::peers_dir("gitea spec check");
    if (!peers) {
        return;
    }
    std::ifstream file(*peers / "gitea" / "swagger.v1.json");
    REQUIRE(file.good());
    const json spec = json::parse(file);

    const RecordedRequest unknown_path{"GET", "/repos/o/r/nonsense/5", "", "", {}, ""};
    const RecordedRequest wrong_method{"PUT", "/repos/o/r/issues/5/comments", "", "", {}, ""};
    const RecordedRequest bad_field{"PATCH", "/repos/o/r/issues/5",   "", "",
                                    {},      R"({"description":"x"})"};
    const RecordedRequest bad_query{"GET", "/repos/o/r/pulls", "status=all", "", {}, ""};
    const RecordedRequest good{"PATCH", "/repos/o/r/issues/5", "", "", {}, R"({"body":"x"})"};
    CHECK_FALSE(check_request(spec, unknown_path).empty());
    CHECK_FALSE(check_request(spec, wrong_method).empty());
    CHECK_FALSE(check_request(spec, bad_field).empty());
    CHECK_FALSE(check_request(spec, bad_query).empty());
    CHECK(check_request(spec, good).empty());
}
