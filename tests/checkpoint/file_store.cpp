// file_store: save and load, ids that only move forward, damaged files that throw, a stale .tmp,
// failed saves that keep the previous checkpoint, and a writer killed while it saves.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include <sinkforge/checkpoint/file_store.hpp>

#include "checkpoint/support.hpp"
#include "transport/support.hpp"

namespace checkpoint_test {
using namespace std::string_view_literals;

void write_file(const std::filesystem::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Written once and frozen, like writer_state's: checkpoint 42 at "offset=1234" with two writer
// states (the second empty). Never regenerate it: later versions must go on reading it.
constexpr std::string_view frozen_file_v1 =
    "SFCK\x01\x00\x00\x00"                           // magic, version 1, flags 0
    "\x2a\x00\x00\x00\x00\x00\x00\x00"                // id 42
    "\x0b\x00\x00\x00offset=1234"                      // source_position
    "\x02\x00\x00\x00"                                 // 2 writer states
    "\x29\x00\x00\x00"                                 //   41 bytes:
    "SFWS\x01\x00\x00\x00\x05\x00\x00\x00" "audit"     //   sink "audit"
    "\x00\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00" //   subtask 0, checkpoint 7
    "\x00\x00\x00\x00\x00\x00\x00\x00\xb9\x87\xbd\x0c" //   no committables, no pending, CRC-32
    "\x00\x00\x00\x00"                                 //   empty
    "\xea\x9a\x88\x05"                                 // CRC-32
    ""sv;

TEST_CASE("file_store: nullopt without a file; save then load, also from a new store") {
  const auto path = test::fresh_dir("ckpt-file-basic") / "driver.ckpt";
  ck::file_store store(path);
  CHECK(!store.load());
  CHECK(!std::filesystem::exists(path));
  store.save(sample(1));
  CHECK(store.load() == sample(1));
  const ck::stored_checkpoint empty{.id = 2};
  store.save(empty);
  CHECK(store.load() == empty);
  store.save(sample(3));
  CHECK(ck::file_store(path).load() == sample(3));
  CHECK(!std::filesystem::exists(path.string() + ".tmp"));
  CHECK_THROWS_AS(ck::file_store(""), sinkforge::config_error);
  CHECK_THROWS_AS(ck::file_store(path.parent_path() / ""), sinkforge::config_error);
}

TEST_CASE("file_store: the frozen version-1 file loads") {
  const auto path = test::fresh_dir("ckpt-file-frozen") / "driver.ckpt";
  write_file(path, frozen_file_v1);
  const auto loaded = ck::file_store(path).load();
  REQUIRE(loaded);
  CHECK(loaded->id == 42);
  CHECK(loaded->source_position == "offset=1234");
  REQUIRE(loaded->writer_states.size() == 2);
  CHECK(ck::decode(loaded->writer_states[0]) == ck::writer_state{.sink = "audit", .subtask = 0, .checkpoint_id = 7});
  CHECK(loaded->writer_states[1].empty());
  CHECK(ck::detail::encode_checkpoint_file(*loaded) == frozen_file_v1);
}

TEST_CASE("file_store: checkpoint ids only move forward") {
  const auto path = test::fresh_dir("ckpt-file-monotonic") / "driver.ckpt";
  ck::file_store store(path);
  store.save(sample(5));
  const std::string refused = "sinkforge: checkpoint file '" + path.string() +
                              "': checkpoint 3 is older than the stored checkpoint 5; checkpoints only move forward";
  CHECK_THROWS_WITH_AS(store.save(sample(3)), refused.c_str(), ck::stale_checkpoint_error);
  CHECK(store.load() == sample(5));
  // A new store (a restarted driver) reads the stored id before its first save.
  ck::file_store again(path);
  CHECK_THROWS_AS(again.save(sample(4)), ck::stale_checkpoint_error);
  again.save(sample(5));  // the same id again replaces it
  again.save(sample(6));
  CHECK(store.load() == sample(6));
}

TEST_CASE("file_store: a damaged file throws on load and on save, and is left as it is") {
  const auto path = test::fresh_dir("ckpt-file-damaged") / "driver.ckpt";
  ck::file_store(path).save(sample(7));
  const std::string whole = test::slurp(path);
  const std::string name = "sinkforge: checkpoint file '" + path.string() + "': ";

  write_file(path, whole.substr(0, whole.size() / 2));
  const std::string cut = name + "field 'writer_states[1]' at byte ";
  CHECK_THROWS_WITH_AS(ck::file_store(path).load(), doctest::Contains(cut.c_str()), ck::format_error);
  write_file(path, "");
  const std::string empty = name + "field 'magic' at byte 0: truncated: needs 4 byte(s), 0 left";
  CHECK_THROWS_WITH_AS(ck::file_store(path).load(), empty.c_str(), ck::format_error);
  std::string flipped = whole;
  flipped[5000] = static_cast<char>(flipped[5000] ^ 0x10);
  write_file(path, flipped);
  CHECK_THROWS_WITH_AS(ck::file_store(path).load(), doctest::Contains("field 'crc32'"), ck::format_error);
  // A save would hide the damage: it is refused, and the file stays for a look.
  CHECK_THROWS_AS(ck::file_store(path).save(sample(8)), ck::format_error);
  CHECK(test::slurp(path) == flipped);
  // A directory where the file should be is no checkpoint either.
  std::filesystem::remove(path);
  std::filesystem::create_directory(path);
  CHECK_THROWS_AS(ck::file_store(path).load(), std::system_error);
}

TEST_CASE("file_store: a stale .tmp from a crash is ignored by load and replaced by the next save") {
  const auto path = test::fresh_dir("ckpt-file-tmp") / "driver.ckpt";
  const std::string tmp = path.string() + ".tmp";
  write_file(tmp, "SFCK half a checkpo");
  CHECK(!ck::file_store(path).load());
  ck::file_store(path).save(sample(1));
  CHECK(!std::filesystem::exists(tmp));
  write_file(tmp, std::string(100000, 'z'));
  CHECK(ck::file_store(path).load() == sample(1));
  ck::file_store store(path);
  store.save(sample(2));
  CHECK(!std::filesystem::exists(tmp));
  CHECK(store.load() == sample(2));
}

TEST_CASE("file_store: a failed save names the path and the step, and keeps the previous checkpoint") {
  const auto dir = test::fresh_dir("ckpt-file-fail");
  const auto path = dir / "driver.ckpt";
  ck::file_store store(path);
  store.save(sample(1));
  std::filesystem::create_directory(path.string() + ".tmp");  // open(<path>.tmp) fails: EISDIR
  try {
    store.save(sample(2));
    FAIL("save succeeded with a directory in the way");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::is_a_directory);
    CHECK(std::string(e.what()).starts_with("sinkforge: checkpoint file '" + path.string() + "': open '" +
                                            path.string() + ".tmp': "));
  }
  CHECK(store.load() == sample(1));
  std::filesystem::remove(path.string() + ".tmp");
  store.save(sample(2));
  CHECK(store.load() == sample(2));

  ck::file_store nowhere(dir / "missing" / "driver.ckpt");
  CHECK(!nowhere.load());
  CHECK_THROWS_WITH_AS(nowhere.save(sample(1)), doctest::Contains("missing/driver.ckpt.tmp'"), std::system_error);
}

TEST_CASE("file_store: a writer killed at random moments while saving never leaves a torn checkpoint") {
  const auto path = test::fresh_dir("ckpt-file-sigkill") / "driver.ckpt";
  const int advanced = kill_while_saving([&] { return ck::file_store(path); }, 20, 20261130);
  CHECK(advanced >= 5);  // the kills found saves done: the rounds tested something
  MESSAGE("file_store: 20 kills, " << advanced << " moved the checkpoint forward");
}

}  // namespace checkpoint_test
