// A byte file never holds a torn record: a batch lands whole or not at all on a full disk
// (ENOSPC on a real tmpfs) and past a file size limit (EFBIG), and a file a killed writer left
// mid-record is cut back to its last whole record when a sink opens it again.
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/hana/define_struct.hpp>

#include <sinkforge/batch/max_records.hpp>
#include <sinkforge/dead_letter/policy.hpp>
#include <sinkforge/retry/fixed.hpp>
#include <sinkforge/retry/none.hpp>
#include <sinkforge/serialize/csv.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/file.hpp>
#include <sinkforge/transport/rotating_file.hpp>

#include "transport/support.hpp"

namespace sf = sinkforge;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct Padded {
  BOOST_HANA_DEFINE_STRUCT(Padded, (std::int64_t, seq), (std::string, pad));
};
Padded padded(std::int64_t seq) { return Padded{seq, std::string(150, 'x')}; }

std::int64_t seq_of(std::string_view line) {
  const auto at = line.find("\"seq\":");
  return at == std::string_view::npos ? -1 : std::stoll(std::string(line.substr(at + 6)));
}

// Every line of an ndjson file of Padded, checked whole; a torn or glued line fails the test.
std::vector<std::int64_t> whole_records(const fs::path& file) {
  const std::string text = test::slurp(file);
  std::vector<std::int64_t> seqs;
  if (!text.empty()) CHECK(text.back() == '\n');
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + begin, end - begin);
    const std::string expected_tail = ",\"pad\":\"" + std::string(150, 'x') + "\"}";
    const bool whole = line.starts_with("{\"seq\":") && line.ends_with(expected_tail) &&
                       line.find('{', 1) == std::string_view::npos;
    CHECK_MESSAGE(whole, "torn or glued line: " << line.substr(0, 80));
    seqs.push_back(seq_of(line));
    begin = end + 1;
  }
  return seqs;
}

// What a run reported failed, by sequence number.
struct failures {
  std::vector<std::int64_t> seqs;
  auto target() {
    return sf::dead_letter::call([this](std::vector<sf::failed_record>&& lost) {
      for (const auto& f : lost) seqs.push_back(seq_of(f.payload));
    });
  }
};

// Written = delivered + reported failed, with no record both in the file and reported failed.
void check_accounting(const std::vector<std::int64_t>& in_file, const std::vector<std::int64_t>& failed,
                      std::int64_t written) {
  const std::set<std::int64_t> file_set(in_file.begin(), in_file.end());
  const std::set<std::int64_t> failed_set(failed.begin(), failed.end());
  CHECK(file_set.size() == in_file.size());  // nothing twice
  for (std::int64_t s : failed_set) CHECK_MESSAGE(!file_set.count(s), "record " << s << " reported failed is in the file");
  for (std::int64_t s = 0; s < written; ++s)
    CHECK_MESSAGE((file_set.count(s) || failed_set.count(s)), "record " << s << " is neither delivered nor reported");
}

}  // namespace

TEST_CASE("file::append on a full disk: a failed batch leaves nothing, space freed later is used cleanly") {
  const test::small_disk disk("enospc", "1m");
  const fs::path& dir = disk.dir();
  {
    std::ofstream filler(dir / "filler", std::ios::binary);
    filler << std::string(300 * 1024, 'f');
  }
  failures lost;
  const fs::path out = dir / "out.ndjson";
  std::int64_t seq = 0;
  {
    auto sink = sf::make_sink<Padded>(sf::file::append{.path = out.string(), .sync = sf::file::sync::per_batch},
                                      sf::batch::max_records{37}, sf::retry::none{}, lost.target());
    for (; seq < 8000; ++seq) sink.write(padded(seq));
    sink.flush();
    CHECK(!lost.seqs.empty());  // the disk did fill
    const auto failed_while_full = lost.seqs.size();
    fs::remove(dir / "filler");
    const std::int64_t after_free = seq;
    for (; seq < after_free + 1000; ++seq) sink.write(padded(seq));
    sink.close();
    CHECK(lost.seqs.size() == failed_while_full);  // everything after the space was freed landed
  }
  const auto in_file = whole_records(out);
  check_accounting(in_file, lost.seqs, seq);
  CHECK(in_file.back() == seq - 1);
}

TEST_CASE("file::append past RLIMIT_FSIZE (EFBIG): the partial batch is cut, later batches land whole") {
  const fs::path dir = test::fresh_dir("efbig");
  const fs::path out = dir / "out.ndjson";
  failures lost;
  std::int64_t seq = 0;
  {
    auto sink = sf::make_sink<Padded>(sf::file::append{.path = out.string()}, sf::batch::max_records{41},
                                      sf::retry::fixed{.max_attempts = 2, .delay = 1ms}, lost.target());
    rlimit before{};
    ::getrlimit(RLIMIT_FSIZE, &before);
    auto* previous_handler = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
    {
      rlimit small = before;
      small.rlim_cur = 100 * 1024 + 777;  // lands inside a batch
      REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
      for (; seq < 2000; ++seq) sink.write(padded(seq));
      sink.flush();
      ::setrlimit(RLIMIT_FSIZE, &before);
    }
    std::signal(SIGXFSZ, previous_handler);
    CHECK(!lost.seqs.empty());
    const auto failed_while_limited = lost.seqs.size();
    for (const std::int64_t end = seq + 500; seq < end; ++seq) sink.write(padded(seq));
    sink.close();
    CHECK(lost.seqs.size() == failed_while_limited);
  }
  const auto in_file = whole_records(out);
  CHECK(fs::file_size(out) > 100 * 1024 + 777);  // grew past the old limit once it was lifted
  check_accounting(in_file, lost.seqs, seq);
}

namespace {
// A writer killed at a random moment. It reports through `ack` the last record of each flush()
// that returned: those were acknowledged and must survive.
std::int64_t run_and_kill(const fs::path& out, std::int64_t first, unsigned delay_us) {
  return test::kill_after<std::int64_t>(delay_us, [&](int ack) {
    auto sink = sf::make_sink<Padded>(sf::file::append{.path = out.string()}, sf::batch::max_records{13},
                                      sf::on_error([](const sf::delivery_error&) {}));
    for (std::int64_t s = first;; ++s) {
      sink.write(padded(s));
      if (s % 50 == 49) {
        sink.flush();
        if (::write(ack, &s, sizeof s) != sizeof s) ::_exit(3);
      }
    }
  }).value_or(first - 1);
}
}  // namespace

TEST_CASE("file::append reopened after SIGKILL: the torn tail is cut and reported, nothing acknowledged is lost") {
  const fs::path dir = test::fresh_dir("sigkill");
  const fs::path out = dir / "out.ndjson";
  std::mt19937 rng(20261129);
  std::vector<std::pair<std::int64_t, std::int64_t>> acknowledged;  // [first, last] of each round
  std::size_t notices = 0;
  std::uint64_t cut_reported = 0;
  for (int round = 0; round < 6; ++round) {
    const std::int64_t first = round * 1'000'000;
    acknowledged.emplace_back(first, run_and_kill(out, first, static_cast<unsigned>(2000 + rng() % 20000)));
    if (round % 2 == 1) {
      // Make sure the repair runs every other round, whatever the kill hit: a torn record by hand.
      std::ofstream torn(out, std::ios::binary | std::ios::app);
      torn << "{\"seq\":999999999,\"pad\":\"xxxx";
    }
    // A kill that lands before the child opened the file leaves no file (slow under ThreadSanitizer).
    const auto size_before = fs::exists(out) ? fs::file_size(out) : 0;
    auto sink = sf::make_sink<Padded>(sf::file::append{.path = out.string()},
                                      sf::on_error([&](const sf::delivery_error& e) {
                                        ++notices;
                                        CHECK(e.records().size() == 1);
                                        const std::string& why = e.records()[0].reason;
                                        CHECK(why.find("torn tail") != std::string::npos);
                                        cut_reported += std::stoull(why.substr(why.find("of ") + 3));
                                      }));
    CHECK(fs::file_size(out) <= size_before);
    sink.close();
  }
  CHECK(notices >= 3);
  CHECK(cut_reported > 0);
  const auto in_file = whole_records(out);
  const std::set<std::int64_t> present(in_file.begin(), in_file.end());
  CHECK(present.size() == in_file.size());
  for (const auto& [first, last] : acknowledged)
    for (std::int64_t s = first; s <= last; ++s) CHECK_MESSAGE(present.count(s), "acknowledged record " << s << " lost");
  CHECK(!present.count(999999999));
}

TEST_CASE("file::append with CSV: a torn record inside a quoted line break is cut at the last whole record") {
  struct Note {
    BOOST_HANA_DEFINE_STRUCT(Note, (int, id), (std::string, text));
  };
  const fs::path dir = test::fresh_dir("csv-torn");
  const fs::path out = dir / "notes.csv";
  {
    auto sink = sf::make_sink<Note>(sf::file::append{.path = out.string()}, sf::serialize::csv{});
    sink.write(Note{1, "two\r\nlines"});
    sink.close();
  }
  const std::string whole = test::slurp(out);
  {
    std::ofstream torn(out, std::ios::binary | std::ios::app);
    torn << "2,\"also\r\ntwo";  // ends after a line break, inside quotes
  }
  std::string reason;
  {
    auto sink = sf::make_sink<Note>(sf::file::append{.path = out.string()}, sf::serialize::csv{},
                                    sf::on_error([&](const sf::delivery_error& e) { reason = e.records()[0].reason; }));
    CHECK(test::slurp(out) == whole);
    sink.write(Note{3, "three"});
    sink.close();
  }
  CHECK(reason.find("cut a torn tail of 12 byte(s)") != std::string::npos);
  CHECK(test::slurp(out) == whole + "3,three\r\n");
}

TEST_CASE("file::rotating opening a directory cuts the torn tails of its own files only") {
  const fs::path dir = test::fresh_dir("rotating-torn");
  const std::string ours = "all-20261129T101500Z-000003.ndjson";
  const std::string theirs = "notes.txt";
  const std::string whole = "{\"seq\":1,\"pad\":\"" + std::string(150, 'x') + "\"}\n";
  {
    std::ofstream(dir / ours, std::ios::binary) << whole << "{\"seq\":2,\"pa";
    std::ofstream(dir / theirs, std::ios::binary) << "no line end";
    std::ofstream(dir / "all-20261129T101500Z-000004.ndjson", std::ios::binary) << whole;
  }
  std::vector<std::string> reasons;
  {
    auto sink = sf::make_sink<Padded>(
        sf::file::rotating{.directory = dir.string(), .name = "{key}-{time}-{seq}.ndjson"},
        sf::on_error([&](const sf::delivery_error& e) { reasons.push_back(e.records()[0].reason); }));
    sink.write(padded(7));
    sink.close();
  }
  REQUIRE(reasons.size() == 1);
  CHECK(reasons[0].find(ours) != std::string::npos);
  CHECK(reasons[0].find("12 byte(s)") != std::string::npos);
  CHECK(test::slurp(dir / ours) == whole);
  CHECK(test::slurp(dir / theirs) == "no line end");
  CHECK(test::slurp(dir / "all-20261129T101500Z-000004.ndjson") == whole);
}

TEST_CASE("file::rotating: a failed write leaves the file as it was before the batch") {
  const fs::path dir = test::fresh_dir("rotating-efbig");
  failures lost;
  std::int64_t seq = 0;
  {
    auto sink = sf::make_sink<Padded>(sf::file::rotating{.directory = dir.string(), .max_bytes = 1 << 20},
                                      sf::batch::max_records{29}, sf::retry::none{}, lost.target());
    rlimit before{};
    ::getrlimit(RLIMIT_FSIZE, &before);
    auto* previous_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = before;
    small.rlim_cur = 50 * 1024 + 123;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    for (; seq < 600; ++seq) sink.write(padded(seq));
    sink.flush();
    ::setrlimit(RLIMIT_FSIZE, &before);
    std::signal(SIGXFSZ, previous_handler);
    for (const std::int64_t end = seq + 100; seq < end; ++seq) sink.write(padded(seq));
    sink.close();
  }
  CHECK(!lost.seqs.empty());
  std::vector<std::int64_t> in_files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto seqs = whole_records(entry.path());
    in_files.insert(in_files.end(), seqs.begin(), seqs.end());
  }
  check_accounting(in_files, lost.seqs, seq);
}

TEST_CASE("file::append whose cut back fails too is broken: fatal, never appended again") {
  // /dev/full fails every write with ENOSPC, and ftruncate on it fails: the cut after the failed
  // write cannot be made, so the transport must stop appending rather than risk a torn record.
  std::vector<sf::failed_record> lost;
  auto sink = sf::make_sink<Padded>(sf::file::append{.path = "/dev/full"}, sf::batch::max_records{1},
                                    sf::dead_letter::call([&](std::vector<sf::failed_record>&& r) {
                                      for (auto& f : r) lost.push_back(std::move(f));
                                    }));
  sink.write(padded(1));
  sink.write(padded(2));
  sink.close();
  REQUIRE(lost.size() == 2);
  for (const auto& f : lost) {
    CHECK(f.kind == sf::failure_kind::fatal);
    CHECK(f.attempts == 1);  // fatal: not retried
    CHECK(f.reason.find("cutting the file back to 0 bytes failed too") != std::string::npos);
    CHECK(f.reason.find("no longer written") != std::string::npos);
  }
}
