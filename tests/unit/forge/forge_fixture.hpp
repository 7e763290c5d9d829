// Test support: a fake forge server plus a real (curl) client configured against it.
#pragma once

#include "fakes/fake_forge.hpp"
#include "forge/client.hpp"
#include "forge/forge.hpp"
#include "forge/forge_error.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace forgebot::testing {

/// A token distinctive enough to search for in messages.
inline constexpr std::string_view k_test_token = "tok-9f8e7d6c5b4a-secret";

/// The waits a client asked for, instead of sleeping.
class SleepLog {
public:
    void add(std::chrono::milliseconds wait) {
        const std::lock_guard lock(m_mutex);
        m_waits.push_back(wait);
    }
    std::vector<std::chrono::milliseconds> waits() const {
        const std::lock_guard lock(m_mutex);
        return m_waits;
    }

private:
    mutable std::mutex m_mutex;
    std::vector<std::chrono::milliseconds> m_waits;
};

/// A client config for `fake`: the test token, millisecond backoff, short timeouts, recorded
/// sleeps.
inline forge::ForgeConfig config_for(const FakeForge& fake, forge::ForgeKind kind,
                                     const std::shared_ptr<SleepLog>& sleeps) {
    forge::ForgeConfig config;
    config.kind = kind;
    config.api_url = fake.base_url();
    config.owner = "o";
    config.repo = "r";
    config.token = std::string(k_test_token);
    config.connect_timeout = std::chrono::seconds{2};
    config.total_timeout = std::chrono::seconds{5};
    config.retry.max_attempts = 4;
    config.retry.base_delay = std::chrono::milliseconds{1};
    config.retry.max_delay = std::chrono::seconds{5};
    config.sleep = [sleeps](std::chrono::milliseconds wait) {
        sleeps->add(wait);
    };
    return config;
}

/// A fake server of one flavor and a curl client of the matching kind pointed at it.
struct ForgeUnderTest {
    explicit ForgeUnderTest(forge::ForgeKind kind_)
        : kind(kind_), fake(kind_ == forge::ForgeKind::github ? FakeForgeFlavor::github
                                                              : FakeForgeFlavor::gitea),
          sleeps(std::make_shared<SleepLog>()), config(config_for(fake, kind_, sleeps)) {
        fake.set_token(std::string(k_test_token));
    }

    /// A client built from `config` as it is now (tests adjust it first).
    std::unique_ptr<forge::Forge> client() const { return forge::make_forge(config); }

    forge::ForgeKind kind;
    FakeForge fake;
    std::shared_ptr<SleepLog> sleeps;
    forge::ForgeConfig config;
};

/// Runs `call` and returns the ForgeError it throws; fails the test when it throws nothing else.
template <typename Call> forge::ForgeError forge_error_from(Call&& call) {
    try {
        call();
    } catch (const forge::ForgeError& e) {
        return e;
    }
    throw std::logic_error("expected a ForgeError, none was thrown");
}

/// A pull request record for the fake forge: PR `number` from `head` into main.
inline FakeIssue pr_record(std::int64_t number, std::string state, std::string head,
                           std::optional<std::string> body = std::nullopt) {
    FakeIssue pr;
    pr.number = number;
    pr.title = "PR " + std::to_string(number);
    pr.body = std::move(body);
    pr.state = std::move(state);
    pr.is_pull = true;
    pr.head_branch = std::move(head);
    pr.base_branch = "main";
    return pr;
}

} // namespace forgebot::testing
