// Lists the prepared transactions a postgres::table sink left in doubt, and commits or aborts one.
//
//   postgres_in_doubt SINK_NAME                      list: transaction, checkpoint, age, owner
//   postgres_in_doubt SINK_NAME commit CHECKPOINT    COMMIT PREPARED
//   postgres_in_doubt SINK_NAME abort CHECKPOINT     ROLLBACK PREPARED
//
// The server comes from SINKFORGE_POSTGRES (a libpq connection string or URI) or, when it is not
// set, from libpq's PGHOST, PGPORT, PGDATABASE, PGUSER variables; the password from PGPASSWORD or
// ~/.pgpass, never from the command line. Commit only a checkpoint your checkpoint store recorded;
// the usual way out is to start the program again with sf::restore(store.load()).
// Exit codes: 0 done, 1 the server refused or is unreachable, 2 usage, 3 no such prepared checkpoint.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include <sinkforge/transport/postgres_in_doubt.hpp>

namespace sf = sinkforge;

int main(int argc, char** argv) {
  const std::string_view action = argc >= 3 ? argv[2] : "list";
  if (argc != 2 && !(argc == 4 && (action == "commit" || action == "abort"))) {
    std::fprintf(stderr, "usage: %s SINK_NAME [commit|abort CHECKPOINT]\n", argv[0]);
    return 2;
  }
  const char* env = std::getenv("SINKFORGE_POSTGRES");
  const std::string conninfo = env ? env : "";
  try {
    if (argc == 2) {
      const auto found = sf::postgres::in_doubt(conninfo, argv[1]);
      if (found.empty()) std::printf("no prepared transactions of sink '%s'\n", argv[1]);
      else std::printf("%-40s %12s %10s  %s\n", "transaction", "checkpoint", "age (s)", "owner");
      for (const auto& t : found)
        std::printf("%-40s %12llu %10lld  %s\n", t.transaction.c_str(), static_cast<unsigned long long>(t.checkpoint),
                    static_cast<long long>(t.age.count()), t.owner.c_str());
      return 0;
    }
    char* end = nullptr;
    const unsigned long long id = std::strtoull(argv[3], &end, 10);
    if (!*argv[3] || *end) {
      std::fprintf(stderr, "CHECKPOINT must be a number, not '%s'\n", argv[3]);
      return 2;
    }
    sf::postgres::resolve_in_doubt(conninfo, argv[1], id,
                                   action == "commit" ? sf::postgres::decision::commit : sf::postgres::decision::abort);
    std::printf("%s checkpoint %llu of sink '%s'\n", action == "commit" ? "committed" : "rolled back", id, argv[1]);
    return 0;
  } catch (const sf::config_error& e) {  // the connection string, or no server
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
