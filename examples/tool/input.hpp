// The sinkforge tool's input: NDJSON (simdjson, one document per line) or CSV (RFC 4180, a header
// line of field names) from a file or standard input, read in large blocks, as dynamic records.
// Each record carries the byte offset just past it and its line number, so that a run resumes at
// a record boundary and a refusal names the line.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sinkforge/dynamic/record.hpp>

namespace sinkforge_tool {
namespace sf = sinkforge;

enum class input_format { ndjson, csv };

// One input record, or why its text is not one.
struct input_item {
  std::uint64_t line = 0;  // its first line, from 1
  std::uint64_t end = 0;   // the byte offset just past it (where a resumed run starts)
  std::optional<sf::dynamic::record> record;
  std::string error;        // when there is no record
  std::string_view text;   // the text as read (valid until the next call)
};

class input {
 public:
  // `path` "-" is standard input. `start` (a byte offset at a record boundary) and `start_line` are
  // where a resumed run begins; a CSV file's header is read first in any case.
  // `interrupted`: when it is non-zero, a read interrupted by a signal ends the input.
  input(const std::string& path, input_format format, std::uint64_t start = 0, std::uint64_t start_line = 1,
        const std::atomic<int>* interrupted = nullptr);
  ~input();
  input(const input&) = delete;
  input& operator=(const input&) = delete;

  // The next record; false at the end of the input.
  bool next(input_item& out);
  std::uint64_t bytes_read() const noexcept;  // the offset of the next record
  std::uint64_t next_line() const noexcept;   // the line the next record starts on
  bool has_buffered() const noexcept;         // whether bytes are read and not yet taken
  std::optional<std::uint64_t> size() const noexcept;  // of a regular file
  const std::string& name() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

input_format format_for(const std::string& path);

}  // namespace sinkforge_tool
