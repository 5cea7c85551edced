// writer_state's binary format: round trips, the frozen version-1 blob, and every way a damaged blob
// is rejected with the field and byte offset named.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <sinkforge/checkpoint/writer_state.hpp>

namespace checkpoint_test {
namespace ck = sinkforge::checkpoint;
using namespace std::string_literals;
using namespace std::string_view_literals;

std::string random_bytes(std::mt19937_64& rng, std::size_t max_length) {
  std::string s(rng() % (max_length + 1), '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xFF);  // every byte value, NUL included
  return s;
}

std::vector<std::string> random_list(std::mt19937_64& rng, std::size_t max_count, std::size_t max_length) {
  std::vector<std::string> items(rng() % (max_count + 1));
  for (auto& s : items) s = random_bytes(rng, max_length);
  return items;
}

// The message of the format_error that decoding `blob` throws, or "" when it decodes.
std::string rejection(std::string_view blob) {
  try {
    (void)ck::decode(blob);
  } catch (const ck::format_error& e) {
    return e.what();
  }
  return "";
}

// Written once by encode() and frozen: a later format version must go on reading it exactly so.
// Never regenerate it; a change to the format that breaks this test breaks every stored checkpoint.
constexpr std::string_view frozen_v1 =
    "SFWS\x01\x00\x00\x00"sv                                   // magic, version 1, flags 0
    "\x06\x00\x00\x00orders"sv                                 // sink
    "\x03\x00\x00\x00"sv                                       // subtask 3
    "\x2a\x00\x00\x00\x00\x00\x00\x00"sv                       // checkpoint_id 42
    "\x02\x00\x00\x00"sv                                       // 2 committables
    "\x15\x00\x00\x00sinkforge-orders-3-42"sv                  //   an id
    "\x02\x00\x00\x00\x00\xff"sv                               //   two binary bytes
    "\x02\x00\x00\x00"sv                                       // 2 pending
    "\x00\x00\x00\x00"sv                                       //   empty
    "\x0b\x00\x00\x00{\"id\":\"o1\"}"sv                        //   a record
    "\x79\x3d\x63\x34"sv;                                      // CRC-32

ck::writer_state frozen_v1_value() {
  return {.sink = "orders",
          .subtask = 3,
          .checkpoint_id = 42,
          .committables = {"sinkforge-orders-3-42", std::string("\0\xff", 2)},
          .pending = {"", "{\"id\":\"o1\"}"}};
}

TEST_CASE("checkpoint crc32 is zlib's CRC-32, computed at compile time too") {
  static_assert(ck::detail::crc32("123456789") == 0xCBF43926u);
  CHECK(ck::detail::crc32("") == 0u);
  CHECK(ck::detail::crc32("The quick brown fox jumps over the lazy dog") == 0x414FA339u);
  // Continuing a running CRC gives the CRC of the whole.
  CHECK(ck::detail::crc32("6789", ck::detail::crc32("12345")) == 0xCBF43926u);
}

TEST_CASE("writer_state round trip: random states, empty strings, every byte value, many entries") {
  std::mt19937_64 rng(20261130);
  for (int i = 0; i < 300; ++i) {
    ck::writer_state s;
    s.sink = random_bytes(rng, 24);
    s.subtask = static_cast<std::uint32_t>(rng());
    s.checkpoint_id = rng();
    s.committables = random_list(rng, 4, 64);
    s.pending = random_list(rng, 40, 200);
    const std::string blob = ck::encode(s);
    REQUIRE(ck::decode(blob) == s);
  }
  ck::writer_state big{.sink = "", .subtask = 0xFFFFFFFFu, .checkpoint_id = ~std::uint64_t{0}};
  for (int i = 0; i < 20000; ++i) big.pending.push_back(i % 7 ? std::to_string(i) : std::string());
  big.committables.assign(3, std::string());
  CHECK(ck::decode(ck::encode(big)) == big);
  CHECK(ck::decode(ck::encode(ck::writer_state{})) == ck::writer_state{});
}

TEST_CASE("writer_state: the frozen version-1 blob decodes to its values, and encode still writes it") {
  CHECK(ck::decode(frozen_v1) == frozen_v1_value());
  CHECK(ck::encode(frozen_v1_value()) == frozen_v1);
}

TEST_CASE("writer_state decode rejects every truncation, naming the field where the data ends") {
  const std::string blob = ck::encode(frozen_v1_value());
  for (std::size_t length = 0; length < blob.size(); ++length) {
    const std::string why = rejection(std::string_view(blob).substr(0, length));
    // Cut inside a field, or after a length or count whose bytes are no longer all there.
    const bool named = why.find("truncated") != std::string::npos || why.find("runs past the end") != std::string::npos;
    CHECK_MESSAGE(named, "length " << length << ": " << why);
  }
  CHECK(rejection("") == "sinkforge: writer_state: field 'magic' at byte 0: truncated: needs 4 byte(s), 0 left");
  CHECK(rejection(frozen_v1.substr(0, 10)) ==
        "sinkforge: writer_state: field 'sink' at byte 8: truncated: needs 4 byte(s), 2 left");
  CHECK(rejection(frozen_v1.substr(0, 45)) ==
        "sinkforge: writer_state: field 'committables[0]' at byte 34: length 21 runs past the end (7 byte(s) left)");
  CHECK(rejection(frozen_v1.substr(0, 21)) ==
        "sinkforge: writer_state: field 'subtask' at byte 18: truncated: needs 4 byte(s), 3 left");
  CHECK(rejection(frozen_v1.substr(0, frozen_v1.size() - 1)) ==
        "sinkforge: writer_state: field 'crc32' at byte 88: truncated: needs 4 byte(s), 3 left");
}

TEST_CASE("writer_state decode rejects every single-byte change") {
  const std::string blob(frozen_v1);
  for (std::size_t at = 0; at < blob.size(); ++at) {
    for (unsigned mask : {0x01u, 0x02u, 0x04u, 0x08u, 0x10u, 0x20u, 0x40u, 0x80u, 0xFFu}) {
      std::string damaged = blob;
      damaged[at] = static_cast<char>(static_cast<unsigned char>(damaged[at]) ^ mask);
      const std::string why = rejection(damaged);
      CHECK_MESSAGE(why.starts_with("sinkforge: writer_state: field '"), "byte " << at << " ^ " << mask);
    }
  }
  std::string damaged = blob;
  damaged[14] = 'X';  // inside the sink name: only the checksum can tell
  CHECK(rejection(damaged) == "sinkforge: writer_state: field 'crc32' at byte 88: checksum 0x34633d79 does not "
                              "match the data's 0x62eec9c2");
}

TEST_CASE("writer_state decode rejects a newer version, wrong magic, trailing bytes and lengths past the end") {
  std::string newer(frozen_v1);
  newer[4] = 2;
  CHECK(rejection(newer) == "sinkforge: writer_state: field 'version' at byte 4: format version 2; this library "
                            "reads up to 1");
  newer[4] = '\xff';
  newer[5] = '\xff';
  CHECK(rejection(newer).find("format version 65535; this library reads up to 1") != std::string::npos);
  std::string zero(frozen_v1);
  zero[4] = 0;
  CHECK(rejection(zero).find("field 'version' at byte 4: format version 0 was never written") != std::string::npos);
  std::string flagged(frozen_v1);
  flagged[6] = 4;
  CHECK(rejection(flagged).find("field 'flags' at byte 6: unknown flags 0x00000004") != std::string::npos);

  std::string magic(frozen_v1);
  magic[3] = 'K';
  CHECK(rejection(magic) == "sinkforge: writer_state: field 'magic' at byte 0: expected \"SFWS\", found \"SFWK\"");
  CHECK(rejection("\x89PNG\r\n\x1a\n").find("found \"\\x89PNG\"") != std::string::npos);

  CHECK(rejection(std::string(frozen_v1) + "x") ==
        "sinkforge: writer_state: field 'crc32' at byte 92: 1 trailing byte(s) after the checksum");

  // Lengths that point past the end, with a valid checksum so that only the length can be at fault.
  auto reframe = [](std::string body) {
    std::string out = ck::detail::begin_frame("SFWS", 1) + body;
    ck::detail::end_frame(out);
    return out;
  };
  CHECK(rejection(reframe("\xe8\x03\x00\x00orders"s)) ==
        "sinkforge: writer_state: field 'sink' at byte 8: length 1000 runs past the end (10 byte(s) left)");
  const std::string huge_count = "\x00\x00\x00\x00"s "\x00\x00\x00\x00"s "\x00\x00\x00\x00\x00\x00\x00\x00"s
                                 "\xff\xff\xff\xff"s;
  CHECK(rejection(reframe(huge_count)) ==
        "sinkforge: writer_state: field 'committables' at byte 24: count 4294967295 runs past the end (4 byte(s) "
        "left)");
  const std::string long_entry = "\x00\x00\x00\x00"s "\x00\x00\x00\x00"s "\x00\x00\x00\x00\x00\x00\x00\x00"s
                                 "\x00\x00\x00\x00"s "\x01\x00\x00\x00"s "\x09\x00\x00\x00"s "abc"s;
  CHECK(rejection(reframe(long_entry)) ==
        "sinkforge: writer_state: field 'pending[0]' at byte 32: length 9 runs past the end (7 byte(s) left)");

  try {
    (void)ck::decode(magic);
    FAIL("decoded a blob with the wrong magic");
  } catch (const ck::format_error& e) {
    CHECK(e.field() == "magic");
    CHECK(e.offset() == 0);
  }
}

TEST_CASE("transaction_id: deterministic, escaped to [A-Za-z0-9_-], never shared by two sink names") {
  CHECK(ck::transaction_id("orders", 3, 42) == "sinkforge-orders-3-42");
  CHECK(ck::transaction_id("eu.orders", 0, 7) == "sinkforge-eu_2eorders-0-7");
  CHECK(ck::transaction_id("a-b", 1, 2) == "sinkforge-a_2db-1-2");
  CHECK(ck::transaction_id("a_2db", 1, 2) == "sinkforge-a_5f2db-1-2");
  CHECK(ck::transaction_id("x/../'; DROP", 0xFFFFFFFFu, ~std::uint64_t{0}) ==
        "sinkforge-x_2f_2e_2e_2f_27_3b_20DROP-4294967295-18446744073709551615");
  CHECK(ck::transaction_id("\xc3\xa9t\xc3\xa9", 0, 0) == "sinkforge-_c3_a9t_c3_a9-0-0");

  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string name = random_bytes(rng, 30);
    if (name.empty()) name = "n";
    const std::string id = ck::transaction_id(name, static_cast<std::uint32_t>(rng()), rng());
    for (char c : id)
      CHECK_MESSAGE(((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'),
                    id);
    CHECK(std::count(id.begin(), id.end(), '-') == 3);
  }

  CHECK_THROWS_WITH_AS(ck::transaction_id("", 0, 0),
                       "sinkforge: invalid configuration: checkpoint::transaction_id.sink: must not be empty",
                       sinkforge::config_error);
  // "sinkforge-" + 157 + "-4294967295" + "-18446744073709551615" = 199 bytes fit (PostgreSQL wants
  // fewer than 200); one more does not, at any checkpoint: a name accepted once is accepted always.
  CHECK(ck::transaction_id(std::string(157, 'a'), 0xFFFFFFFFu, ~std::uint64_t{0}).size() == 199);
  CHECK_THROWS_AS(ck::transaction_id(std::string(158, 'a'), 0xFFFFFFFFu, ~std::uint64_t{0}), sinkforge::config_error);
  CHECK_THROWS_AS(ck::transaction_id(std::string(158, 'a'), 0, 1), sinkforge::config_error);
  CHECK_THROWS_AS(ck::check_transaction_sink_name(std::string(158, 'a')), sinkforge::config_error);
  CHECK_NOTHROW(ck::check_transaction_sink_name(std::string(157, 'a')));
  CHECK_THROWS_AS(ck::transaction_id(std::string(70, '.'), 0, 0), sinkforge::config_error);
}

}  // namespace checkpoint_test
