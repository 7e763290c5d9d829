// The orchestrator's decisions: which deliveries start, rehydrate or destroy a run, when a run
// is frozen (done, exited, watchdog, sidecar gone), and the dispatch queue.
#include "orchestrator/loop.hpp"

#include "bottle/sidecar_launch.hpp"
#include "orchestrator/labels.hpp"
#include "store/audit_store.hpp"
#include "store/bottle_store.hpp"
#include "util/child.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <fstream>

namespace forgebot::orchestrator {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string issue_name(const std::string& owner, const std::string& repo, std::int64_t number) {
    return owner + "/" + repo + "#" + std::to_string(number);
}

void add_flag(store::ForgeState& state, const std::string& flag) {
    if (!flag.empty() &&
        std::find(state.flags.begin(), state.flags.end(), flag) == state.flags.end()) {
        state.flags.push_back(flag);
    }
}

std::chrono::sys_seconds to_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::time_point_cast<std::chrono::seconds>(t);
}

/// The headers the parser reads, as stored with a delivery.
HeaderLookup stored_headers(const json& headers) {
    return [headers](std::string_view name) -> std::string {
        for (auto it = headers.begin(); it != headers.end(); ++it) {
            if (it.key().size() == name.size() &&
                std::equal(name.begin(), name.end(), it.key().begin(),
                           [](char a, char b) {
                               return std::tolower(static_cast<unsigned char>(a)) ==
                                      std::tolower(static_cast<unsigned char>(b));
                           }) &&
                it->is_string()) {
                return it->get<std::string>();
            }
        }
        return {};
    };
}

/// Thrown by a decision that cannot be made yet: the delivery stays pending and is decided on
/// again at a later step.
struct Deferred {
    std::string why;
};

/// Issue actions that can make an issue a target (`polled`: see orchestrator/poll.hpp).
bool is_trigger_action(const std::string& action) {
    static const std::set<std::string> k_actions{"opened",    "labeled",       "label_updated",
                                                 "assigned",  "reopened",      "edited",
                                                 "unlabeled", "label_cleared", "polled"};
    return k_actions.contains(action);
}

/// Whether a periodic task whose next run is `next` is due at `now`; if so, schedules the one
/// after `interval` from now. Due at once when it never ran.
bool due(std::optional<std::chrono::system_clock::time_point>& next,
         std::chrono::system_clock::time_point now, std::chrono::milliseconds interval) {
    if (next && now < *next) {
        return false;
    }
    next = now + interval;
    return true;
}

} // namespace

std::string issue_prompt(const forge::Issue& issue, const std::string& owner,
                         const std::string& repo) {
    return "Resolve issue " + issue_name(owner, repo, issue.number) + ": " + issue.title + "\n\n" +
           issue.body;
}

Loop::Loop(LoopContext context)
    : m_context(std::move(context)), m_states(*m_context.db), m_inbox(*m_context.db),
      m_poller(m_context.open_forge, [this](const std::string& line) { m_context.log(line); }) {
    assert(m_context.db && m_context.sessions && m_context.launcher && m_context.open_forge);
    if (!m_context.log) {
        m_context.log = [](const std::string&) {
        };
    }
}

void Loop::step() {
    for (const auto& ended : m_context.launcher->reap()) {
        // A start that ended before its bottle ran leaves no run and no lock behind.
        const auto state = m_states.get(ended.owner, ended.repo, ended.issue);
        if (state && state->slug.empty()) {
            m_states.remove(ended.owner, ended.repo, ended.issue);
            m_context.log("dispatch of " + issue_name(ended.owner, ended.repo, ended.issue) +
                          " failed (exit " + std::to_string(ended.exit_code) + ")");
        }
    }
    forget_failed_dispatches();
    if (!m_reconciled) {
        reconcile_frozen();
        m_reconciled = true;
    }
    if (m_context.poll_interval && !m_context.config.kill_switch &&
        due(m_next_poll, m_context.now(), *m_context.poll_interval)) {
        m_poller.poll(m_context.config, m_states.all(), m_inbox);
    }
    for (const auto& delivery : m_inbox.pending()) {
        process_delivery(delivery);
    }
    process_done_events();
    check_sidecars();
    process_exits();
    stop_lingering();
    dispatch_waiting();
    const auto now = m_context.now();
    if (due(m_next_watchdog, now, m_context.watchdog_interval)) {
        watchdog();
    }
}

std::vector<fs::path> Loop::watched_queues() {
    std::vector<fs::path> out;
    for (const auto& state : m_states.all()) {
        if (state.status == store::RunStatus::running && !state.slug.empty()) {
            out.push_back(bottle::bottle_paths(m_context.home, state.slug).queue / "new");
        }
    }
    return out;
}

void Loop::process_delivery(const store::Delivery& delivery) {
    std::string outcome;
    try {
        const auto headers = json::parse(delivery.headers, nullptr, false);
        const auto& entry = find_forge(m_context.config, delivery.forge);
        const auto event = parse_webhook(entry.kind, stored_headers(headers), delivery.body);
        outcome = decide(delivery.forge, event);
        m_context.log("delivery " + delivery.delivery_id + " (" + delivery.forge + " " +
                      event.event + "/" + event.action + " " +
                      issue_name(event.owner, event.repo, event.number) + "): " + outcome);
    } catch (const Deferred& deferred) {
        if (m_deferred.insert(delivery.id).second) {
            m_context.log("delivery " + delivery.delivery_id + ": deferred: " + deferred.why);
        }
        return;
    } catch (const std::exception& e) {
        outcome = std::string("failed: ") + e.what();
        m_context.log("delivery " + delivery.delivery_id + ": " + outcome);
    }
    m_inbox.mark_processed(delivery.id, outcome);
    m_deferred.erase(delivery.id);
}

std::string Loop::decide(const std::string& forge, const WebhookEvent& event) {
    if (event.kind == EventKind::ping) {
        return "ping";
    }
    if (m_context.config.kill_switch) {
        return "ignored: the kill switch is on";
    }
    if (!repo_allowed(m_context.config, event.owner, event.repo)) {
        return "ignored: " + event.owner + "/" + event.repo + " is not in the allowlist";
    }
    switch (event.kind) {
    case EventKind::issue:
        return on_issue(forge, event);
    case EventKind::issue_comment:
    case EventKind::review:
    case EventKind::review_comment:
        return on_comment(forge, event);
    case EventKind::pull_request:
        return on_pull_request(forge, event);
    default:
        return "ignored: event " + event.event + " is not one forgebot acts on";
    }
}

std::string Loop::on_issue(const std::string& forge, const WebhookEvent& event) {
    if (event.is_pull) {
        return "ignored: a pull request";
    }
    if (!is_trigger_action(event.action)) {
        return "ignored: action " + event.action;
    }
    if (event.state == "closed") {
        return "ignored: the issue is closed";
    }
    const auto target = target_from_labels(event.labels);
    if (!target) {
        return "ignored: no forgebot:AGENT label";
    }
    if (const auto state = m_states.get(event.owner, event.repo, event.number);
        state && state->status != store::RunStatus::destroyed) {
        return "ignored: the issue already has run " + state->slug + " (" +
               std::string(store::to_string(state->status)) + ")";
    }
    const auto client = m_context.open_forge(forge, event.owner, event.repo);
    bool member = false;
    for (const auto& assignee : event.assignees) {
        if (client->is_org_member(m_context.config.org, assignee)) {
            member = true;
            break;
        }
    }
    if (!member) {
        return "ignored: no assignee is a member of " + m_context.config.org;
    }
    store::QueuedDispatch dispatch;
    dispatch.forge = forge;
    dispatch.owner = event.owner;
    dispatch.repo = event.repo;
    dispatch.issue_number = event.number;
    dispatch.agent = target->agent;
    dispatch.bottle = target->bottle;
    if (!m_inbox.enqueue(dispatch)) {
        return "ignored: already waiting for dispatch";
    }
    return "queued for agent " + target->agent;
}

std::optional<store::ForgeState> Loop::run_for(const std::string& forge,
                                               const WebhookEvent& event) {
    if (!event.is_pull) {
        auto state = m_states.get(event.owner, event.repo, event.number);
        if (state && state->forge_name == forge) {
            return state;
        }
        return std::nullopt;
    }
    for (const auto& state : m_states.all()) {
        if (state.forge_name == forge && state.owner == event.owner && state.repo == event.repo &&
            (state.pr_number == event.number ||
             (!event.head_branch.empty() &&
              event.head_branch ==
                  "forgebot/" + std::to_string(state.issue_number) + "-" + state.slug))) {
            return state;
        }
    }
    return std::nullopt;
}

std::string Loop::on_comment(const std::string& forge, const WebhookEvent& event) {
    if (event.action != "created" && event.action != "submitted" && event.action != "reviewed") {
        return "ignored: action " + event.action;
    }
    auto state = run_for(forge, event);
    if (!state) {
        return "ignored: no run for " + issue_name(event.owner, event.repo, event.number);
    }
    if (state->status != store::RunStatus::frozen) {
        return "ignored: run " + state->slug + " is " +
               std::string(store::to_string(state->status));
    }
    const auto client = m_context.open_forge(forge, event.owner, event.repo);
    const std::string author = event.comment ? event.comment->user : event.sender;
    if (author.empty() || author == bot_user(forge, *client)) {
        return "ignored: a comment by forgebot itself";
    }
    if (!client->is_org_member(m_context.config.org, author)) {
        return "ignored: " + author + " is not a member of " + m_context.config.org;
    }
    // Rationale: the run's previous session must be over before the next one starts, or its
    // last write would mark the resumed bottle ended; an agent still lingering after its done
    // signal is stopped now rather than at the end of its grace.
    m_lingering.erase(state->slug);
    if (const auto record = store::BottleStore(*m_context.db).get(state->slug);
        record && bottle::is_running(*record)) {
        m_context.sessions->freeze(state->slug);
    }
    if (m_context.launcher->starting(state->owner, state->repo, state->issue_number) ||
        m_context.launcher->resuming(state->slug)) {
        throw Deferred{"the previous session of " + state->slug + " is still ending"};
    }
    const auto prompt = rehydrate_prompt(*client, *state, event);
    // Rationale: spawned before the run is marked running, so that a loop killed in between
    // finds a frozen run whose resume child still goes (deferred as above until the child marks
    // the run running, or fails), never a running run that nothing resumed.
    try {
        m_context.launcher->resume(state->slug, prompt);
    } catch (const std::exception& e) {
        return std::string("failed to rehydrate: ") + e.what();
    }
    state->status = store::RunStatus::running;
    state->last_checkin_at = to_seconds(m_context.now());
    m_states.upsert(*state);
    return "rehydrated " + state->slug;
}

std::string Loop::on_pull_request(const std::string& forge, const WebhookEvent& event) {
    if (event.action != "closed") {
        return "ignored: action " + event.action;
    }
    auto state = run_for(forge, event);
    if (!state) {
        return "ignored: no run for " + issue_name(event.owner, event.repo, event.number);
    }
    if (state->status == store::RunStatus::destroyed) {
        return "ignored: run " + state->slug + " is already destroyed";
    }
    m_lingering.erase(state->slug);
    m_context.sessions->destroy(state->slug);
    state->status = store::RunStatus::destroyed;
    state->pr_number = event.number;
    m_states.upsert(*state);
    return std::string(event.merged ? "merged" : "closed") + ": destroyed " + state->slug;
}

std::int64_t Loop::last_comment_id(forge::Forge& client, const store::ForgeState& state) {
    std::int64_t last = state.last_comment_id.value_or(0);
    std::vector<std::int64_t> numbers{state.issue_number};
    if (state.pr_number) {
        numbers.push_back(*state.pr_number);
    }
    for (const auto number : numbers) {
        for (const auto& comment : client.read_comments(number)) {
            last = std::max(last, comment.id);
        }
    }
    return last;
}

std::string Loop::rehydrate_prompt(forge::Forge& client, const store::ForgeState& state,
                                   const WebhookEvent& event) {
    const std::string bot = bot_user(state.forge_name, client);
    std::string prompt =
        "New feedback arrived on " + issue_name(state.owner, state.repo, state.issue_number) +
        (state.pr_number ? " and its pull request #" + std::to_string(*state.pr_number)
                         : std::string()) +
        " since you stopped. Address it, push, and signal done again.\n";
    std::vector<std::int64_t> numbers{state.issue_number};
    if (state.pr_number) {
        numbers.push_back(*state.pr_number);
    }
    std::set<std::int64_t> seen;
    for (const auto number : numbers) {
        for (const auto& comment : client.read_comments(number)) {
            if (comment.id <= state.last_comment_id.value_or(0) || comment.user == bot ||
                !seen.insert(comment.id).second) {
                continue;
            }
            prompt += "\n@" + comment.user + " on #" + std::to_string(number) + ":\n" +
                      comment.body + "\n";
        }
    }
    // A review comment is not among the issue comments: take it from the event, with its place.
    if (event.comment && !seen.contains(event.comment->id) &&
        (event.kind == EventKind::review_comment || event.kind == EventKind::review)) {
        prompt += "\n@" + event.comment->user;
        if (!event.comment->path.empty()) {
            prompt += " on " + event.comment->path +
                      (event.comment->line ? ":" + std::to_string(*event.comment->line) : "");
        }
        prompt += ":\n" + event.comment->body + "\n";
    }
    return prompt;
}

std::string Loop::bot_user(const std::string& forge, forge::Forge& client) {
    auto it = m_bot_users.find(forge);
    if (it == m_bot_users.end()) {
        it = m_bot_users.emplace(forge, client.current_user()).first;
    }
    return it->second;
}

void Loop::process_done_events() {
    // Rationale: frozen runs' queues too, so that an event whose freeze was stored just before
    // a kill is recorded (not left to freeze the run again once it is resumed), and one sent as
    // the watchdog froze the run is dropped.
    for (const auto& state : m_states.all()) {
        if (state.status == store::RunStatus::destroyed || state.slug.empty()) {
            continue;
        }
        const auto queue = bottle::bottle_paths(m_context.home, state.slug).queue;
        std::error_code ec;
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(queue / "new", ec)) {
            files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            const std::string id = file.filename().string();
            std::ifstream in(file);
            std::string line;
            std::getline(in, line);
            const auto event = json::parse(line, nullptr, false);
            if (!m_inbox.done_event_processed(id) && event.is_object()) {
                auto current = m_states.get(state.owner, state.repo, state.issue_number);
                if (current && current->status == store::RunStatus::running &&
                    current->slug == state.slug) {
                    process_done(*current, event);
                } else {
                    m_context.log("done event " + id + " of run " + state.slug +
                                  ": the run is not running; nothing to do");
                }
                m_inbox.record_done_event(id, state.slug);
            }
            fs::create_directories(queue / "cur", ec);
            fs::rename(file, queue / "cur" / id, ec);
        }
    }
}

void Loop::process_done(store::ForgeState state, const json& event) {
    const std::string status = event.value("status", "success");
    std::optional<std::int64_t> pr;
    if (event.contains("pr") && event["pr"].is_number_integer()) {
        pr = event["pr"].get<std::int64_t>();
    }
    m_context.log("run " + state.slug + " signalled done (" + status + "): freezing");
    freeze(std::move(state), status == "needs_human" ? "needs_human" : "", false, pr,
           status == "needs_human");
}

void Loop::freeze(store::ForgeState state, const std::string& flag, bool stop_now,
                  std::optional<std::int64_t> pr, bool needs_human) {
    state.status = store::RunStatus::frozen;
    add_flag(state, flag);
    if (pr) {
        state.pr_number = pr;
    }
    // Rationale: the forge first and the state last, so that a loop killed in between finds
    // the run still running when it starts again and freezes it again (the label calls are
    // idempotent); the other way round it would find a frozen run without its PR and without
    // the last comment seen, its label still on.
    try {
        const auto client = m_context.open_forge(state.forge_name, state.owner, state.repo);
        if (!state.pr_number) {
            if (const auto found = client->get_pr_for_issue(state.issue_number)) {
                state.pr_number = found->number;
                state.pr_url = found->url;
            }
        }
        state.last_comment_id = last_comment_id(*client, state);
        try {
            client->remove_label(state.issue_number, std::string(k_in_progress_label));
        } catch (const std::exception& e) {
            m_context.log("cannot remove label from " +
                          issue_name(state.owner, state.repo, state.issue_number) + ": " +
                          e.what());
        }
        if (needs_human) {
            client->add_label(state.issue_number, std::string(k_needs_human_label));
        }
    } catch (const std::exception& e) {
        m_context.log("freeze of " + state.slug + ": forge update failed: " + e.what());
    }
    m_states.upsert(state);
    if (stop_now) {
        m_lingering.erase(state.slug);
        m_context.sessions->freeze(state.slug);
    } else {
        m_lingering[state.slug] = m_context.now() + m_context.stop_grace;
    }
}

void Loop::stop_lingering() {
    store::BottleStore bottles(*m_context.db);
    const auto now = m_context.now();
    for (auto it = m_lingering.begin(); it != m_lingering.end();) {
        const auto record = bottles.get(it->first);
        // Rationale: once the agent has ended, the freeze waits (within the grace) for the
        // session that ran it to end too, so that the session's last write, which says how the
        // agent ended, comes before the freeze instead of over it.
        const bool agent_running = record && bottle::is_running(*record);
        const bool session_ending =
            record && !agent_running &&
            (m_context.launcher->resuming(it->first) ||
             (record->issue &&
              m_context.launcher->starting(record->issue->owner, record->issue->repo,
                                           record->issue->issue_number)));
        if (!record || now >= it->second || (!agent_running && !session_ending)) {
            try {
                m_context.sessions->freeze(it->first);
            } catch (const std::exception& e) {
                m_context.log("cannot freeze " + it->first + ": " + e.what());
            }
            it = m_lingering.erase(it);
        } else {
            ++it;
        }
    }
}

std::vector<Loop::Run> Loop::running_runs() {
    store::BottleStore bottles(*m_context.db);
    std::vector<Run> runs;
    for (auto& state : m_states.all()) {
        if (state.status == store::RunStatus::running && !state.slug.empty()) {
            auto record = bottles.get(state.slug);
            runs.push_back(Run{std::move(state), std::move(record)});
        }
    }
    return runs;
}

void Loop::process_exits() {
    for (const auto& [state, record] : running_runs()) {
        // Rationale: the life of the child that runs the bottle counts as the run's: a resumed
        // bottle still says `frozen` until its resume child has started the agent, and a bottle
        // says `running` after its agent ended until the child writes how. Once the child is
        // gone, a bottle that is not running has ended, even one it left `creating` or
        // `running` because it died first.
        if (!record || bottle::is_running(*record) || m_context.launcher->resuming(state.slug) ||
            m_context.launcher->starting(state.owner, state.repo, state.issue_number)) {
            continue;
        }
        // Rationale: an agent's done event is queued before it ends, so an event here now came
        // after process_done_events() looked; the next step freezes the run for it.
        std::error_code ec;
        if (!fs::is_empty(bottle::bottle_paths(m_context.home, state.slug).queue / "new", ec) &&
            !ec) {
            continue;
        }
        m_context.log("run " + state.slug + " ended (" + record->status +
                      ") without signalling done: freezing");
        freeze(state, "exited_without_signal", true);
    }
}

void Loop::forget_failed_dispatches() {
    // Rationale: asked of the launcher, not only learnt from reap(), so that a start child that
    // failed while the orchestrator was down, or was never spawned by a loop killed first, does
    // not leave its issue locked and a slot taken for ever.
    for (const auto& state : m_states.all()) {
        if (state.status != store::RunStatus::running || !state.slug.empty() ||
            m_context.launcher->starting(state.owner, state.repo, state.issue_number)) {
            continue;
        }
        if (const auto fresh = m_states.get(state.owner, state.repo, state.issue_number);
            fresh && fresh->slug.empty()) {
            m_states.remove(state.owner, state.repo, state.issue_number);
            m_context.log("dispatch of " + issue_name(state.owner, state.repo, state.issue_number) +
                          " ended before its bottle ran");
        }
    }
}

void Loop::reconcile_frozen() {
    // A frozen run whose bottle is not frozen yet was lingering after its done signal, or being
    // stopped, when the previous loop was killed: it gets the stop grace again.
    store::BottleStore bottles(*m_context.db);
    for (const auto& state : m_states.all()) {
        if (state.status != store::RunStatus::frozen || state.slug.empty()) {
            continue;
        }
        if (const auto record = bottles.get(state.slug);
            record && record->status != bottle::status::frozen &&
            record->status != bottle::status::destroyed) {
            m_lingering.emplace(state.slug, m_context.now() + m_context.stop_grace);
        }
    }
}

std::size_t Loop::running_count() {
    std::size_t running = 0;
    for (const auto& state : m_states.all()) {
        if (state.status == store::RunStatus::running) {
            ++running;
        }
    }
    return running;
}

void Loop::dispatch_waiting() {
    for (const auto& dispatch : m_inbox.queued()) {
        if (m_context.config.kill_switch) {
            return;
        }
        if (running_count() >= static_cast<std::size_t>(m_context.config.max_concurrent)) {
            return;
        }
        const std::string name = issue_name(dispatch.owner, dispatch.repo, dispatch.issue_number);
        const auto before = m_states.get(dispatch.owner, dispatch.repo, dispatch.issue_number);
        if (before && before->status != store::RunStatus::destroyed) {
            // Started by a loop killed before it could dequeue: one run per issue.
            m_context.log("dispatch of " + name + " dropped: the issue has a run already");
            m_inbox.dequeue(dispatch.id);
            continue;
        }
        if (m_context.launcher->starting(dispatch.owner, dispatch.repo, dispatch.issue_number)) {
            continue; // the start child of its previous run is still ending
        }
        try {
            const auto client = m_context.open_forge(dispatch.forge, dispatch.owner, dispatch.repo);
            const auto issue = client->read_issue(dispatch.issue_number);
            // The run counts against max_concurrent from now; the child records its slug.
            store::ForgeState state;
            state.owner = dispatch.owner;
            state.repo = dispatch.repo;
            state.issue_number = dispatch.issue_number;
            state.agent_name = dispatch.agent;
            if (dispatch.bottle) {
                state.bottle_names = {*dispatch.bottle};
            }
            state.status = store::RunStatus::running;
            state.forge_name = dispatch.forge;
            state.last_checkin_at = to_seconds(m_context.now());
            m_states.upsert(state);
            try {
                m_context.launcher->start(dispatch,
                                          issue_prompt(issue, dispatch.owner, dispatch.repo));
            } catch (...) {
                if (before) {
                    m_states.upsert(*before);
                } else {
                    m_states.remove(dispatch.owner, dispatch.repo, dispatch.issue_number);
                }
                throw;
            }
            m_context.log("dispatched agent " + dispatch.agent + " on " + name);
        } catch (const std::exception& e) {
            m_context.log("dispatch of " + name + " failed: " + e.what());
        }
        m_inbox.dequeue(dispatch.id);
    }
}

void Loop::check_sidecars() {
    for (const auto& [state, record] : running_runs()) {
        if (!record || !bottle::is_running(*record)) {
            continue;
        }
        // Rationale: only a sidecar process that is gone counts here, every step; a slow
        // /health answer under load is not a death.
        const auto details = bottle::record_json(*record);
        if (details.contains("sidecar_pid") && details["sidecar_pid"].is_number_integer() &&
            !util::process_alive(details["sidecar_pid"].get<pid_t>())) {
            m_context.log("run " + state.slug + ": its sidecar died; stopping the agent");
            freeze(state, "sidecar_died", true);
        }
    }
}

void Loop::watchdog() {
    store::AuditStore audit(*m_context.db);
    const auto now = m_context.now();
    for (const auto& [state, record] : running_runs()) {
        if (!record || !bottle::is_running(*record)) {
            continue;
        }
        const auto paths = bottle::bottle_paths(m_context.home, state.slug);
        // The last sign of life: a sidecar call, agent output, or the start.
        auto last = record->started_at.value_or(record->created_at);
        if (state.last_checkin_at) {
            last = std::max(last, *state.last_checkin_at);
        }
        for (const auto& entry : audit.for_identity(state.slug)) {
            last = std::max(last, entry.at);
        }
        std::error_code ec;
        const auto written = fs::last_write_time(paths.transcript, ec);
        if (!ec) {
            last = std::max(last, std::chrono::time_point_cast<std::chrono::seconds>(
                                      std::chrono::file_clock::to_sys(written)));
        }
        if (now - last > m_context.config.watchdog_timeout) {
            m_context.log("run " + state.slug + ": no check-in for " +
                          std::to_string(m_context.config.watchdog_timeout.count()) +
                          " s; the watchdog freezes it");
            freeze(state, "watchdog_fired", true);
        }
    }
}

} // namespace forgebot::orchestrator
