// A rotating file sink: one NDJSON file per tenant and hour, replaced every 256 KiB.
#include <cstdio>
#include <filesystem>

#include <sinkforge/sinkforge.hpp>

namespace sf = sinkforge;
using namespace std::chrono_literals;

struct Reading {
  BOOST_HANA_DEFINE_STRUCT(Reading, (std::string, tenant), (std::string, sensor), (double, celsius),
                           (std::chrono::sys_time<std::chrono::milliseconds>, at));
};

int main() {
  const std::string dir = "rotating-out";
  std::filesystem::remove_all(dir);
  auto sink = sf::make_sink<Reading>(
      sf::file::rotating{.directory = dir, .name = "{key}-{seq}.ndjson", .max_bytes = 256 * 1024},
      sf::partition::composite(sf::partition::by<&Reading::tenant>,
                               sf::partition::time_bucket<&Reading::at>(sf::partition::hour)),
      sf::batch::max_records{500});
  const auto start = std::chrono::floor<std::chrono::hours>(std::chrono::system_clock::now());
  for (int i = 0; i < 20000; ++i)
    sink.write(Reading{i % 2 ? "acme" : "globex", "s" + std::to_string(i % 17), 20 + (i % 100) / 10.0,
                       std::chrono::time_point_cast<std::chrono::milliseconds>(start) + i * 500ms});
  sink.close();
  for (const auto& e : std::filesystem::directory_iterator(dir))
    std::printf("%-40s %8ju bytes\n", e.path().filename().c_str(), static_cast<std::uintmax_t>(e.file_size()));
}
