// The exactly-once driver of the synchronous sink against a transactional transport of the user's
// own: a log whose transactions stage records and whose faults are switched on by the test. It
// reaches the paths a real file rarely takes (a failed commit, a send failing inside a transaction)
// and shows that the concept is enough to extend the library.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sinkforge/sinkforge.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;

namespace staged_log_test {
// The "external system": committed text, and prepared transactions by checkpoint.
struct log_state {
  std::string committed;
  std::map<std::uint64_t, std::string> prepared;
  std::string open;
  int commits = 0;
  bool fail_send = false;
  bool fail_prepare = false;
  bool fail_commit = false;
};

struct staged_log {
  using policy_family = sf::family::transport;
  template <class P>
  static constexpr bool accepts_payload = std::is_same_v<P, sf::byte_records>;
  using committable = std::uint64_t;
  static std::string encode_committable(const committable& c) { return std::to_string(c); }
  static committable decode_committable(std::string_view s) { return std::stoull(std::string(s)); }

  std::shared_ptr<log_state> state = std::make_shared<log_state>();

  struct connection {
    std::shared_ptr<log_state> s;
    template <class K>
    sf::send_result send(const sf::record_batch<K, sf::byte_records>& b) {
      if (s->fail_send) return sf::send_result::fatal("the log is read-only");
      s->open.append(b.records.bytes());
      return sf::send_result::success();
    }
    committable prepare(std::uint64_t id, std::string_view) {
      if (s->fail_prepare) throw std::runtime_error("the log cannot prepare");
      s->prepared[id] = std::exchange(s->open, {});
      return id;
    }
    sf::send_result commit(const committable& id) {
      if (s->fail_commit) return sf::send_result::retryable("the log is busy");
      ++s->commits;
      if (auto it = s->prepared.find(id); it != s->prepared.end()) {
        s->committed += it->second;
        s->prepared.erase(it);
      }
      return sf::send_result::success();
    }
    void abort_open() noexcept { s->open.clear(); }
    sf::send_result recover(std::vector<committable> decided) {
      for (const auto id : decided)
        if (auto r = commit(id); !r.ok()) return r;
      s->prepared.clear();
      s->open.clear();
      return sf::send_result::success();
    }
    std::vector<std::uint64_t> staged() const {
      std::vector<std::uint64_t> ids;
      for (const auto& [id, text] : s->prepared) ids.push_back(id);
      return ids;
    }
    std::string scope() const { return "staged-log"; }
  };
  template <class T, class P>
  connection open_transactional(const sf::transport_context&) const {
    return connection{state};
  }
};

inline std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

inline auto log_sink(const staged_log& log) {
  return sf::make_sink<test::Order>(log, sf::deliver::exactly_once, sf::batch::max_records{4},
                                    sf::retry::none{}, sf::restore(std::nullopt));
}
}  // namespace staged_log_test

using staged_log_test::lines;
using staged_log_test::log_sink;
using staged_log_test::staged_log;

TEST_CASE("exactly_once with a transport of one's own: a failed commit is repeated, nothing twice") {
  staged_log log;
  auto sink = log_sink(log);
  for (int i = 0; i < 10; ++i) sink.write(test::order(i));
  const auto st = sink.prepare_checkpoint(1);
  CHECK(st.sink == "staged-log");
  CHECK(st.committables == std::vector<std::string>{"1"});
  for (int i = 10; i < 15; ++i) sink.write(test::order(i));
  log.state->fail_commit = true;
  CHECK_THROWS_WITH_AS(sink.commit_checkpoint(1), doctest::Contains("commit of checkpoint 1 of 'staged-log' failed"),
                       sf::checkpoint::checkpoint_error);
  CHECK(log.state->committed.empty());
  // The next state names both checkpoints: a restart from it commits the older one too.
  const auto st2 = sink.prepare_checkpoint(2);
  CHECK(st2.committables == std::vector<std::string>{"1", "2"});
  log.state->fail_commit = false;
  sink.commit_checkpoint(2);  // commits 1, then 2
  CHECK(lines(log.state->committed) == 15);
  CHECK(log.state->commits == 2);
  sink.commit_checkpoint(2);  // nothing left to commit: no call reaches the transport
  CHECK(log.state->commits == 2);
  sink.close();
  CHECK(lines(log.state->committed) == 15);
}

TEST_CASE("exactly_once: a batch lost inside a transaction stops the sink; nothing of it commits") {
  staged_log log;
  auto sink = log_sink(log);
  for (int i = 0; i < 4; ++i) sink.write(test::order(i));  // one batch sent
  log.state->fail_send = true;
  for (int i = 4; i < 7; ++i) sink.write(test::order(i));
  CHECK_THROWS_AS(sink.write(test::order(7)), sf::delivery_error);  // the second batch fails: reported
  CHECK(log.state->open.empty());                                   // the open transaction was aborted
  log.state->fail_send = false;
  CHECK_THROWS_WITH_AS(sink.write(test::order(8)), doctest::Contains("lost a batch (the log is read-only)"),
                       std::logic_error);
  CHECK_THROWS_AS(sink.prepare_checkpoint(1), std::logic_error);
  CHECK_THROWS_AS(sink.close(), std::logic_error);
  CHECK(log.state->committed.empty());
  CHECK(log.state->prepared.empty());
}

TEST_CASE("exactly_once: a failed prepare aborts the transaction and says how to go on") {
  staged_log log;
  auto sink = log_sink(log);
  for (int i = 0; i < 6; ++i) sink.write(test::order(i));
  log.state->fail_prepare = true;
  CHECK_THROWS_WITH_AS(sink.prepare_checkpoint(1),
                       doctest::Contains("could not be prepared (the log cannot prepare); the open transaction is "
                                         "aborted: make a new sink with sf::restore(the last stored checkpoint)"),
                       sf::checkpoint::checkpoint_error);
  CHECK(log.state->open.empty());
  CHECK_THROWS_AS(sink.write(test::order(6)), std::logic_error);
}

TEST_CASE("exactly_once: an unencodable record is dead-lettered and does not break the transaction") {
  struct Reading {
    BOOST_HANA_DEFINE_STRUCT(Reading, (double, value));
  };
  staged_log log;
  std::vector<sf::failed_record> dead;
  auto sink = sf::make_sink<Reading>(log, sf::deliver::exactly_once, sf::restore(std::nullopt),
                                     sf::dead_letter::call([&](std::vector<sf::failed_record>&& f) {
                                       for (auto& r : f) dead.push_back(std::move(r));
                                     }));
  sink.write(Reading{1.5});
  sink.write(Reading{std::numeric_limits<double>::quiet_NaN()});  // JSON has no NaN
  sink.write(Reading{2.5});
  sink.prepare_checkpoint(1);
  sink.commit_checkpoint(1);
  CHECK(dead.size() == 1);
  CHECK(lines(log.state->committed) == 2);
}

TEST_CASE("exactly_once: restore commits what the stored state names and aborts the rest") {
  staged_log log;
  log.state->prepared = {{3, "three\n"}, {4, "four\n"}};
  SUBCASE("named") {
    sf::writer_state st{.sink = "staged-log", .checkpoint_id = 3, .committables = {"3"}};
    auto sink = sf::make_sink<test::Order>(log, sf::deliver::exactly_once, sf::restore(st));
    CHECK(log.state->committed == "three\n");
    CHECK(log.state->prepared.empty());
    CHECK_THROWS_AS(sink.prepare_checkpoint(3), std::invalid_argument);  // ids go on after the restored one
    sink.prepare_checkpoint(4);
  }
  SUBCASE("not restored: refused, nothing touched") {
    CHECK_THROWS_WITH_AS(sf::make_sink<test::Order>(log, sf::deliver::exactly_once),
                         doctest::Contains("found staged transaction(s) 3, 4 of 'staged-log' and no sf::restore"),
                         sf::config_error);
    CHECK(log.state->prepared.size() == 2);
  }
  SUBCASE("a state of another subtask is not this writer's") {
    sf::writer_state st{.sink = "staged-log", .subtask = 1, .checkpoint_id = 3, .committables = {"3"}};
    auto sink = sf::make_sink<test::Order>(log, sf::deliver::exactly_once, sf::restore(st));
    CHECK(log.state->committed.empty());
  }
}
