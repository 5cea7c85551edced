// schemes::file: `file:` appends records to one file, or writes a directory of rotating files.
//
//   file:///var/log/orders.ndjson            one file, appended to (file::append)
//   file:orders.csv                          a relative path; CSV by its extension
//   file://out/orders.ndjson                 also relative: the authority starts the path
//   file:///var/log/orders/?rotate=true&rotate.max_bytes=16MiB   files in that directory (file::rotating)
//
// Under delivery=exactly_once the checkpoint store is `<file>.checkpoint` (for rotation,
// `<directory>/sinkforge.checkpoint`) unless `checkpoint=` names another.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

#include <sinkforge/registry/options.hpp>
#include <sinkforge/registry/schemes/text_formats.hpp>
#include <sinkforge/registry/uri.hpp>
#include <sinkforge/transport/file.hpp>
#include <sinkforge/transport/rotating_file.hpp>

namespace sinkforge::inline v1::schemes {

struct file {
  static constexpr std::string_view name = "file";
  static constexpr std::string_view summary = "a file appended to (file::append) or rotating files in a directory (file::rotating)";
  static constexpr registry::key_info keys[] = {
      detail::format_keys[0], detail::format_keys[1], detail::format_keys[2], detail::format_keys[3], detail::format_keys[4],
      {"sync", "never", "never, or per_batch: fdatasync after every batch"},
      {"mode", "0644", "permissions of a new file, in octal"},
      {"rotate", "false", "true: the path is a directory of rotating files"},
      {"rotate.name", "{key}-{time}-{seq}.ndjson", "file name pattern ({key}, {time}, {date}, {seq})"},
      {"rotate.max_bytes", "64MiB", "a file is closed at this size"},
      {"rotate.max_records", "0", "a file is closed after this many records (0: no limit)"},
      {"rotate.max_age", "1h", "a file is closed when it is this old"},
      {"rotate.max_open_files", "64", "files kept open at once"},
  };

  static std::string path_of(const registry::uri& u) {
    if (u.port || !u.user.empty() || u.password) return {};
    const std::string host = u.host == "localhost" ? std::string() : u.host_as_written;
    return host.empty() ? u.path : host + u.path;
  }
  static bool rotates(const registry::uri& u) {
    const std::string* r = u.find("rotate");
    return r && (*r == "true" || *r == "1" || *r == "yes" || *r == "on");
  }
  static std::optional<std::string> checkpoint_file(const registry::uri& u) {
    const std::string p = path_of(u);
    if (!rotates(u)) return p + ".checkpoint";
    return p + (p.ends_with('/') ? "" : "/") + "sinkforge.checkpoint";
  }

  template <class T>
  static auto policies(const registry::uri& u, registry::options& o) {
    if (u.port || !u.user.empty() || u.password) o.fail("uri", "file: takes no user, password or port");
    const std::string path = path_of(u);
    if (path.empty()) o.fail("uri.path", "missing: the file to write (file:///var/out.ndjson or file:out.ndjson)");
    const auto sync = o.choice("sync", {"never", "per_batch"}, 0) == 0 ? sinkforge::file::sync::never
                                                                          : sinkforge::file::sync::per_batch;
    unsigned mode = 0644;
    if (auto m = o.text("mode")) {
      unsigned v = 0;
      bool ok = !m->empty() && m->size() <= 4;
      for (const char c : *m) ok = ok && c >= '0' && c <= '7', v = v * 8 + static_cast<unsigned>(c - '0');
      if (!ok) o.fail("mode", "'" + *m + "' is not an octal mode such as 0644 or 600");
      mode = v;
    }
    using append_recipes = decltype(detail::with_format<T>(sinkforge::file::append{}, o, false));
    using rotating_recipes = decltype(detail::with_format<T>(sinkforge::file::rotating{}, o, false));
    using result = std::variant<std::variant_alternative_t<0, append_recipes>, std::variant_alternative_t<1, append_recipes>,
                                std::variant_alternative_t<0, rotating_recipes>, std::variant_alternative_t<1, rotating_recipes>>;
    const bool rotate = o.boolean("rotate", false);
    if (!rotate) {
      if (o.has_prefix("rotate.")) o.fail("rotate", "rotate.* keys need rotate=true");
      auto r = detail::with_format<T>(sinkforge::file::append{.path = path, .sync = sync, .mode = mode}, o, path.ends_with(".csv"));
      return std::visit([](auto&& t) { return result(std::move(t)); }, std::move(r));
    }
    sinkforge::file::rotating t{.directory = path};
    if (auto n = o.text("rotate.name")) t.name = std::move(*n);
    t.max_bytes = o.bytes("rotate.max_bytes", t.max_bytes, 1);
    t.max_records = o.integer<std::uint64_t>("rotate.max_records", 0);
    t.max_age = o.duration("rotate.max_age", t.max_age, std::chrono::nanoseconds{1});
    t.max_open_files = o.integer<std::size_t>("rotate.max_open_files", 64, 1, 100'000);
    t.sync = sync;
    t.mode = mode;
    const bool csv = t.name.ends_with(".csv");
    auto r = detail::with_format<T>(std::move(t), o, csv);
    return std::visit([](auto&& x) { return result(std::move(x)); }, std::move(r));
  }
};

}  // namespace sinkforge::inline v1::schemes
