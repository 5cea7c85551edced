#include "targets.hpp"

#include <sinkforge/registry/schemes/file.hpp>
#include <sinkforge/registry/schemes/sqlite.hpp>
#include <sinkforge/registry/schemes/stdout.hpp>
#include <sinkforge/registry/sinks.hpp>
#if SINKFORGE_TOOL_POSTGRES
#include <sinkforge/registry/schemes/postgres.hpp>
#endif

namespace sinkforge_tool {

namespace {
using tool_sinks = sf::registry::sinks<sf::dynamic::record, sf::schemes::sqlite,
#if SINKFORGE_TOOL_POSTGRES
                                       sf::schemes::postgres,
#endif
                                       sf::schemes::file, sf::schemes::stdout_sink>;

template <class S>
scheme_listing listing() {
  scheme_listing l{S::name, {}, S::summary, {}};
  if constexpr (requires { S::aliases; })
    for (const auto a : S::aliases) l.aliases.push_back(a);
  for (const auto& k : S::keys) l.keys.push_back(k);
  return l;
}
}  // namespace

struct target::impl {
  tool_sinks::sink sink;
  impl(const std::string& uri, dead_letter_fn dl, std::vector<std::pair<std::string, std::string>> settings)
      : sink(sf::registry::parse_uri(uri), sf::registry::open_options{std::move(dl)}, std::move(settings)) {}
};

target::target(const std::string& uri, dead_letter_fn dead_letter, std::vector<std::pair<std::string, std::string>> settings)
    : impl_(std::make_unique<impl>(uri, std::move(dead_letter), std::move(settings))) {}
target::~target() = default;

void target::write(std::span<sf::dynamic::record> records) {
  impl_->sink.visit([&](auto& s) {
    for (auto& r : records) s.write(std::move(r));
  });
}
void target::checkpoint(std::string_view position) { impl_->sink.checkpoint(position); }
void target::tick() { impl_->sink.tick(); }
std::optional<std::string> target::resume_position() const { return impl_->sink.resume_position(); }
void target::close() { impl_->sink.close(); }
sf::metrics::counter_values target::counters() const { return impl_->sink.counters().values(); }
std::string target::prometheus() const { return impl_->sink.counters().prometheus(); }
const std::string& target::name() const { return impl_->sink.name(); }
const std::string& target::shown() const { return impl_->sink.target(); }
sf::guarantee target::delivery() const { return impl_->sink.guarantee(); }

void target::validate(const std::string& uri, std::vector<std::pair<std::string, std::string>> settings) {
  tool_sinks::validate(uri, std::move(settings));
}

std::vector<scheme_listing> target::schemes() {
  return {listing<sf::schemes::sqlite>(),
#if SINKFORGE_TOOL_POSTGRES
          listing<sf::schemes::postgres>(),
#endif
          listing<sf::schemes::file>(), listing<sf::schemes::stdout_sink>()};
}

}  // namespace sinkforge_tool
