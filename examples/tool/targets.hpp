// The sinkforge tool's targets: sinks of dynamic records chosen from URIs by the registry
// (registry::sinks over every built-in scheme), behind a call per chunk of records. The registry's
// instantiations live in targets.cpp alone, so that the rest of the tool compiles quickly.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sinkforge/deliver/guarantee.hpp>
#include <sinkforge/dynamic/record.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/metrics/counters.hpp>
#include <sinkforge/registry/options.hpp>

namespace sinkforge_tool {
namespace sf = sinkforge;

struct scheme_listing {
  std::string_view name;
  std::vector<std::string_view> aliases;
  std::string_view summary;
  std::vector<sf::registry::key_info> keys;
};

using dead_letter_fn = std::function<void(std::vector<sf::failed_record>&&)>;

class target {
 public:
  // `settings`: keys beside the URI's query (a --config route's), read as if they were in it.
  target(const std::string& uri, dead_letter_fn dead_letter, std::vector<std::pair<std::string, std::string>> settings = {});
  ~target();
  target(const target&) = delete;
  target& operator=(const target&) = delete;

  // Moves the records into the sink: one dispatch per call.
  void write(std::span<sf::dynamic::record> records);
  void checkpoint(std::string_view position);
  void tick();  // sends batches that are old enough
  std::optional<std::string> resume_position() const;
  void close();

  sf::metrics::counter_values counters() const;
  std::string prometheus() const;
  const std::string& name() const;
  const std::string& shown() const;  // the URI with its secrets as ***
  sf::guarantee delivery() const;

  // Checks a URI as opening it would (scheme, keys, values) without opening anything.
  static void validate(const std::string& uri, std::vector<std::pair<std::string, std::string>> settings = {});
  static std::vector<scheme_listing> schemes();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sinkforge_tool
