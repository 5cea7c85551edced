#include "input.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <array>
#include <unordered_map>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <simdjson.h>

namespace sinkforge_tool {

namespace {

// Shapes by their field names: records of one kind share one shape (and the sinks' prepared
// statements for it). The last few are compared first: files interleave a handful of kinds.
class shapes {
 public:
  sf::dynamic::shape_ref get(const std::vector<std::string_view>& names) {
    for (auto& s : recent_)
      if (same(*s, names)) return s;
    std::string key;
    for (const auto n : names) {
      key += n;
      key += '\0';
    }
    auto it = all_.find(key);
    if (it == all_.end()) {
      std::vector<std::string> owned(names.begin(), names.end());
      it = all_.emplace(std::move(key), sf::dynamic::make_shape(std::move(owned))).first;
    }
    recent_[next_++ % recent_.size()] = it->second;
    return it->second;
  }

 private:
  static bool same(const sf::dynamic::shape& s, const std::vector<std::string_view>& names) {
    if (s.names.size() != names.size()) return false;
    for (std::size_t i = 0; i < names.size(); ++i)
      if (s.names[i] != names[i]) return false;
    return true;
  }
  std::unordered_map<std::string, sf::dynamic::shape_ref> all_;
  std::array<sf::dynamic::shape_ref, 8> recent_{sf::dynamic::make_shape(std::vector<std::string>{}),
                                                 sf::dynamic::make_shape(std::vector<std::string>{}),
                                                 sf::dynamic::make_shape(std::vector<std::string>{}),
                                                 sf::dynamic::make_shape(std::vector<std::string>{}),
                                                 sf::dynamic::make_shape(std::vector<std::string>{}),
                                                 sf::dynamic::make_shape(std::vector<std::string>{}),
                                                 sf::dynamic::make_shape(std::vector<std::string>{}),
                                                 sf::dynamic::make_shape(std::vector<std::string>{})};
  std::size_t next_ = 0;
};

// A CSV field's value: a whole number or a decimal that reads back as written, else text; an
// unquoted empty field is NULL (PostgreSQL's convention, as serialize::csv writes it).
sf::dynamic::value csv_value(std::string_view s, bool quoted) {
  if (s.empty()) return quoted ? sf::dynamic::value::of_text({}) : sf::dynamic::value::null();
  if (!quoted) {
    const char* b = s.data();
    const char* e = b + s.size();
    const bool leading_zero = (s.size() > 1 && s[0] == '0') || (s.size() > 2 && s[0] == '-' && s[1] == '0');
    std::int64_t i = 0;
    if (auto r = std::from_chars(b, e, i); r.ec == std::errc() && r.ptr == e && !leading_zero)
      return sf::dynamic::value::of_integer(i);
    if (s.find_first_of(".eE") != std::string_view::npos && s.find_first_not_of("0123456789+-.eE") == std::string_view::npos) {
      double d = 0;
      if (auto r = std::from_chars(b, e, d); r.ec == std::errc() && r.ptr == e) return sf::dynamic::value::of_real(d);
    }
  }
  return sf::dynamic::value::of_text(std::string(s));
}

}  // namespace

struct input::impl {
  std::string name;
  input_format format;
  int fd = -1;
  bool own_fd = false;
  bool eof = false;
  std::vector<char> buf;
  std::size_t begin = 0, end = 0;  // the unread bytes in buf
  std::uint64_t offset = 0;        // of buf[begin] in the input
  std::uint64_t line = 1;          // of buf[begin]
  std::optional<std::uint64_t> file_size;
  simdjson::ondemand::parser parser;
  shapes known;
  std::vector<std::string_view> names;
  std::vector<sf::dynamic::value> values;
  std::vector<std::string> unescaped;  // CSV fields with quotes undone
  std::optional<sf::dynamic::shape_ref> csv_header;
  const std::atomic<int>* interrupted = nullptr;

  static constexpr std::size_t block = 1 << 22;

  // Reads more; false at the end of the input. Keeps SIMDJSON_PADDING bytes after `end`.
  bool fill() {
    if (eof) return false;
    if (interrupted && interrupted->load() != 0) {
      eof = true;
      return false;
    }
    if (begin > 0) {
      std::memmove(buf.data(), buf.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    if (buf.size() - end < block / 2 + simdjson::SIMDJSON_PADDING) buf.resize(buf.size() * 2);
    for (;;) {
      const ssize_t n = ::read(fd, buf.data() + end, buf.size() - end - simdjson::SIMDJSON_PADDING);
      if (n < 0 && errno == EINTR) {
        if (interrupted && interrupted->load() != 0) {
          eof = true;
          return false;
        }
        continue;
      }
      if (n < 0) throw std::system_error(errno, std::generic_category(), "sinkforge: reading " + name);
      if (n == 0) {
        eof = true;
        return false;
      }
      end += static_cast<std::size_t>(n);
      return true;
    }
  }

  // The next line of text (without its '\n' and a '\r' before it), and the bytes it spans.
  bool next_line(std::string_view& text, std::size_t& span) {
    for (;;) {
      const char* from = buf.data() + begin;
      const void* nl = std::memchr(from, '\n', end - begin);
      if (nl) {
        span = static_cast<std::size_t>(static_cast<const char*>(nl) - from) + 1;
        text = std::string_view(from, span - 1);
        break;
      }
      if (!fill()) {
        if (begin == end) return false;
        span = end - begin;  // a last line without '\n'
        text = std::string_view(buf.data() + begin, span);
        break;
      }
    }
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    return true;
  }

  void consume(std::size_t span, std::uint64_t lines) {
    begin += span;
    offset += span;
    line += lines;
  }

  bool next_ndjson(input_item& out) {
    for (;;) {
      std::string_view text;
      std::size_t span = 0;
      if (!next_line(text, span)) return false;
      out.line = line;
      out.end = offset + span;
      out.text = text;
      out.record.reset();
      out.error.clear();
      const std::size_t capacity = buf.size() - static_cast<std::size_t>(text.data() - buf.data());
      const bool blank = text.find_first_not_of(" \t") == std::string_view::npos;
      if (!blank) parse_json(text, capacity, out);
      consume(span, 1);
      if (!blank) return true;
    }
  }

  void parse_json(std::string_view text, std::size_t capacity, input_item& out) {
    using namespace simdjson;
    names.clear();
    values.clear();
    ondemand::document doc;
    ondemand::object obj;
    auto fail = [&](const char* what, error_code e) {
      out.error = std::string(what) + ": " + error_message(e);
    };
    if (auto e = parser.iterate(text.data(), text.size(), capacity).get(doc)) return fail("not JSON", e);
    if (auto e = doc.get_object().get(obj)) return fail("not a JSON object", e);
    for (auto field : obj) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return fail("not JSON", e);
      for (const auto n : names)
        if (n == key) {
          out.error = "field '" + std::string(key) + "' appears twice";
          return;
        }
      names.push_back(key);
      ondemand::value v = field.value();
      ondemand::json_type t;
      if (auto e = v.type().get(t)) return fail("not JSON", e);
      switch (t) {
        case ondemand::json_type::null: {
          bool is_null = false;
          if (auto e = v.is_null().get(is_null); e || !is_null) return fail("not JSON", e ? e : INCORRECT_TYPE);
          values.push_back(sf::dynamic::value::null());
          break;
        }
        case ondemand::json_type::boolean: {
          bool b = false;
          if (auto e = v.get_bool().get(b)) return fail("not JSON", e);
          values.push_back(sf::dynamic::value::of_bool(b));
          break;
        }
        case ondemand::json_type::number: {
          std::string_view token = v.raw_json_token();
          while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
          bool real = false;  // a loop: find_first_of(".eE") is three memchr calls per number
          for (const char c : token) real = real || c == '.' || c == 'e' || c == 'E';
          if (real) {
            double d = 0;
            if (auto e = v.get_double().get(d)) return fail("not JSON", e);
            values.push_back(sf::dynamic::value::of_real(d));
          } else {
            std::int64_t i = 0;
            if (auto e = v.get_int64().get(i); !e) values.push_back(sf::dynamic::value::of_integer(i));
            else if (e == NUMBER_OUT_OF_RANGE)
              values.push_back(sf::dynamic::value::of_json(std::string(token)));  // kept exact, as written
            else return fail("not JSON", e);
          }
          break;
        }
        case ondemand::json_type::string: {
          std::string_view s;
          if (auto e = v.get_string().get(s)) return fail("not JSON", e);
          values.push_back(sf::dynamic::value::of_text(std::string(s)));
          break;
        }
        case ondemand::json_type::object:
        case ondemand::json_type::array: {
          // Kept as its JSON text, as written.
          std::string_view raw;
          auto raw_of = [&](auto container) -> error_code {
            if (auto e = container.error()) return e;
            return container.value_unsafe().raw_json().get(raw);
          };
          if (auto e = t == ondemand::json_type::object ? raw_of(v.get_object()) : raw_of(v.get_array()))
            return fail("not JSON", e);
          values.push_back(sf::dynamic::value::of_json(std::string(raw)));
          break;
        }
      }
    }
    const char* after = nullptr;
    if (!doc.current_location().get(after)) return fail("not JSON", TRAILING_CONTENT);
    // The next record most likely has as many fields: room for them from the start.
    const std::size_t fields = values.size();
    out.record.emplace(known.get(names), std::move(values));
    values = {};
    values.reserve(fields);
  }

  // One CSV record (several lines when a quoted field holds a line break); false at the end.
  bool next_csv_fields(std::vector<std::string_view>& fields, std::vector<bool>& quoted, std::size_t& span,
                       std::uint64_t& lines, std::string& error) {
    for (;;) {
      fields.clear();
      quoted.clear();
      unescaped.clear();
      error.clear();
      lines = 1;
      const char* p = buf.data() + begin;
      const char* e = buf.data() + end;
      if (p == e && !fill()) return false;
      p = buf.data() + begin;
      e = buf.data() + end;
      bool complete = false;
      std::size_t i = 0;
      const std::size_t n = static_cast<std::size_t>(e - p);
      unescaped.reserve(64);
      while (i <= n) {
        if (i < n && p[i] == '"') {
          std::string value;
          std::size_t j = i + 1;
          bool closed = false;
          while (j < n) {
            if (p[j] == '"') {
              if (j + 1 < n && p[j + 1] == '"') {
                value += '"';
                j += 2;
                continue;
              }
              if (j + 1 == n && !eof) break;  // the next block decides
              closed = true;
              ++j;
              break;
            }
            if (p[j] == '\n') ++lines;
            value += p[j++];
          }
          if (!closed) {
            if (eof) {
              error = "a quoted field is not closed";
              span = n;
              complete = true;
              break;
            }
            break;  // read more
          }
          unescaped.push_back(std::move(value));
          quoted.push_back(true);
          fields.emplace_back();  // filled from `unescaped` below
          i = j;
          if (i < n && p[i] == ',') {
            ++i;
            continue;
          }
          if (i < n && (p[i] == '\n' || p[i] == '\r')) {
            if (p[i] == '\r') ++i;
            if (i < n && p[i] == '\n') ++i;
            span = i;
            complete = true;
            break;
          }
          if (i == n && eof) {
            span = i;
            complete = true;
            break;
          }
          if (i < n) {
            error = "text after a closing quote";
            const void* nl = std::memchr(p + i, '\n', n - i);
            if (!nl && !eof) break;
            span = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - p) + 1 : n;
            complete = true;
            break;
          }
          break;  // read more
        }
        std::size_t j = i;
        while (j < n && p[j] != ',' && p[j] != '\n') ++j;
        if (j == n && !eof) break;  // read more
        std::string_view field(p + i, j - i);
        const bool last = j == n || p[j] == '\n';
        if (last && !field.empty() && field.back() == '\r') field.remove_suffix(1);
        if (field.find('"') != std::string_view::npos) error = "a quote inside an unquoted field";
        fields.push_back(field);
        quoted.push_back(false);
        unescaped.emplace_back();
        if (!last) {
          i = j + 1;
          continue;
        }
        span = j < n ? j + 1 : n;
        complete = true;
        break;
      }
      if (complete) {
        for (std::size_t f = 0; f < fields.size(); ++f)
          if (quoted[f]) fields[f] = unescaped[f];
        return true;
      }
      if (!fill()) {
        if (begin == end) return false;
      }
    }
  }

  bool next_csv(input_item& out) {
    std::vector<std::string_view> fields;
    std::vector<bool> quoted;
    for (;;) {
      std::size_t span = 0;
      std::uint64_t lines = 1;
      std::string error;
      if (!next_csv_fields(fields, quoted, span, lines, error)) return false;
      out.line = line;
      out.end = offset + span;
      out.text = std::string_view(buf.data() + begin, span);
      out.record.reset();
      out.error = error;
      const bool blank = fields.size() == 1 && fields[0].empty() && !quoted[0];
      if (!blank && error.empty()) {
        const auto& header = (*csv_header)->names;
        if (fields.size() != header.size()) {
          out.error = "a row of " + std::to_string(fields.size()) + " fields under a header of " +
                      std::to_string(header.size());
        } else {
          std::vector<sf::dynamic::value> row;
          row.reserve(fields.size());
          for (std::size_t f = 0; f < fields.size(); ++f) row.push_back(csv_value(fields[f], quoted[f]));
          out.record.emplace(*csv_header, std::move(row));
        }
      }
      consume(span, lines);
      if (!blank || !error.empty()) return true;
    }
  }

  void read_header() {
    std::vector<std::string_view> fields;
    std::vector<bool> quoted;
    std::size_t span = 0;
    std::uint64_t lines = 1;
    std::string error;
    if (!next_csv_fields(fields, quoted, span, lines, error))
      throw std::runtime_error("sinkforge: " + name + " is empty: a CSV input starts with a header line");
    if (!error.empty()) throw std::runtime_error("sinkforge: " + name + ": the header line: " + error);
    std::vector<std::string_view> names_of;
    for (const auto f : fields) {
      if (f.empty()) throw std::runtime_error("sinkforge: " + name + ": the header names an empty field");
      for (const auto g : names_of)
        if (g == f) throw std::runtime_error("sinkforge: " + name + ": the header names '" + std::string(f) + "' twice");
      names_of.push_back(f);
    }
    csv_header = known.get(names_of);
    consume(span, lines);
  }
};

input::input(const std::string& path, input_format format, std::uint64_t start, std::uint64_t start_line,
             const std::atomic<int>* interrupted)
    : impl_(std::make_unique<impl>()) {
  impl& s = *impl_;
  s.interrupted = interrupted;
  s.format = format;
  s.name = path == "-" ? std::string("standard input") : path;
  s.buf.resize(impl::block + simdjson::SIMDJSON_PADDING);
  if (path == "-") {
    s.fd = 0;
  } else {
    s.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (s.fd < 0) throw std::system_error(errno, std::generic_category(), "sinkforge: cannot open " + path);
    s.own_fd = true;
    struct stat st {};
    if (::fstat(s.fd, &st) == 0 && S_ISREG(st.st_mode)) s.file_size = static_cast<std::uint64_t>(st.st_size);
  }
  if (format == input_format::csv) s.read_header();
  if (start > s.offset) {
    if (path == "-") throw std::runtime_error("sinkforge: standard input cannot resume at byte " + std::to_string(start));
    if (s.file_size && start > *s.file_size)
      throw std::runtime_error("sinkforge: " + path + " is shorter (" + std::to_string(*s.file_size) +
                               " bytes) than the position its targets committed (" + std::to_string(start) +
                               "): not the same input?");
    if (::lseek(s.fd, static_cast<off_t>(start), SEEK_SET) < 0)
      throw std::system_error(errno, std::generic_category(), "sinkforge: cannot seek in " + path);
    s.begin = s.end = 0;
    s.eof = false;
    s.offset = start;
    s.line = start_line;
  }
}

input::~input() {
  if (impl_->own_fd) ::close(impl_->fd);
}

bool input::next(input_item& out) {
  return impl_->format == input_format::ndjson ? impl_->next_ndjson(out) : impl_->next_csv(out);
}
std::uint64_t input::bytes_read() const noexcept { return impl_->offset; }
std::uint64_t input::next_line() const noexcept { return impl_->line; }
bool input::has_buffered() const noexcept { return impl_->begin < impl_->end; }
std::optional<std::uint64_t> input::size() const noexcept { return impl_->file_size; }
const std::string& input::name() const noexcept { return impl_->name; }

input_format format_for(const std::string& path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0 ? input_format::csv : input_format::ndjson;
}

}  // namespace sinkforge_tool
