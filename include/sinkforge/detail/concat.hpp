// Joins the pieces of a diagnostic message with one allocation: one out-of-line function for the
// messages built in templates and on cold paths, where `a + b + c` would inline a growing
// std::string at each call site.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace sinkforge::inline v1::detail {

inline std::string concat(std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (std::string_view p : parts) size += p.size();
  std::string out;
  out.reserve(size);
  for (std::string_view p : parts) out.append(p);
  return out;
}

}  // namespace sinkforge::inline v1::detail
