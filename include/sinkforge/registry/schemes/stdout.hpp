// schemes::stdout_sink: `stdout:` writes records to standard output, as NDJSON or CSV.
//
//   stdout:                  NDJSON lines
//   stdout:?format=csv       CSV with a header line
#pragma once
#include <iostream>
#include <string_view>

#include <sinkforge/registry/options.hpp>
#include <sinkforge/registry/schemes/text_formats.hpp>
#include <sinkforge/registry/uri.hpp>
#include <sinkforge/transport/ostream.hpp>

namespace sinkforge::inline v1::schemes {

struct stdout_sink {
  static constexpr std::string_view name = "stdout";
  static constexpr std::string_view summary = "standard output, NDJSON or CSV (stream::ostream)";
  static constexpr const auto& keys = detail::format_keys;

  template <class T>
  static auto policies(const registry::uri& u, registry::options& o) {
    if (!u.host.empty() || !u.path.empty() || u.user.size() || u.password || u.port)
      o.fail("uri.path", "stdout: names no host or path (write `stdout:`)");
    return detail::with_format<T>(stream::ostream{&std::cout}, o, false);
  }
  static std::string default_name(const registry::uri&) { return "stdout"; }
};

}  // namespace sinkforge::inline v1::schemes
