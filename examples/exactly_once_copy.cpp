// Copies N generated orders into an ndjson file exactly once, across crashes: a checkpoint every
// 1,000 orders (prepare, store, commit) and, on every start, a restore from the stored checkpoint.
//
//   exactly_once_copy <out.ndjson> <checkpoint file> <orders> [crash after this many checkpoints]
//
// With the fourth argument the program dies (std::_Exit, as a kill would) between storing a
// checkpoint and committing it. Started again without it, it resumes where the store says and
// ends by checking that the file holds every order once.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include <boost/hana/define_struct.hpp>

#include <sinkforge/checkpoint/file_store.hpp>
#include <sinkforge/sinkforge.hpp>

namespace sf = sinkforge;

struct Order {
  BOOST_HANA_DEFINE_STRUCT(Order, (std::int64_t, seq), (std::string, customer), (double, amount));
};

// The input: order i is always the same, so a replay writes the same records.
Order order(std::int64_t i) { return Order{i, "c" + std::to_string(i % 97), static_cast<double>(i % 1000) / 4}; }

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s <out.ndjson> <checkpoint file> <orders> [crash after N checkpoints]\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  const std::int64_t total = std::atoll(argv[3]);
  const long crash_after = argc > 4 ? std::atol(argv[4]) : -1;

  sf::checkpoint::file_store store(argv[2]);
  auto sink = sf::make_sink<Order>(sf::file::append{.path = out}, sf::deliver::exactly_once,
                                   sf::batch::max_records{250}, sf::restore(store.load()));
  const auto& resume = sink.resume_point();
  std::int64_t position = resume ? std::stoll(resume->source_position) : 0;
  std::uint64_t id = resume ? resume->id : 0;
  std::printf("exactly_once_copy: resuming at order %lld (checkpoint %llu)\n", static_cast<long long>(position),
              static_cast<unsigned long long>(id));

  long taken = 0;
  while (position < total) {
    for (const std::int64_t end = std::min(total, position + 1000); position < end; ++position) sink.write(order(position));
    const std::string at = std::to_string(position);
    const sf::writer_state state = sink.prepare_checkpoint(++id, at);  // phase 1: durable, invisible
    store.save({id, at, {sf::checkpoint::encode(state)}});              // the checkpoint is decided
    if (++taken == crash_after) {
      std::printf("exactly_once_copy: dying between storing checkpoint %llu and committing it\n",
                  static_cast<unsigned long long>(id));
      std::fflush(stdout);
      std::_Exit(3);
    }
    sink.commit_checkpoint(id);  // phase 2: visible
  }
  sink.close();

  // Every order once, none missing.
  std::ifstream in(out);
  std::set<std::int64_t> seen;
  std::int64_t lines = 0;
  for (std::string line; std::getline(in, line); ++lines) seen.insert(std::stoll(line.substr(7)));
  const bool exact = lines == total && static_cast<std::int64_t>(seen.size()) == total &&
                     (total == 0 || (*seen.begin() == 0 && *seen.rbegin() == total - 1));
  std::printf("exactly_once_copy: %s holds %lld lines, %zu distinct orders: %s\n", out.c_str(),
              static_cast<long long>(lines), seen.size(), exact ? "every order exactly once" : "WRONG");
  return exact ? 0 : 1;
}
