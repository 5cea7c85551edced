// The part of TOML a routes file needs, checked before toml++ parses it (registry/routes.hpp).
#pragma once
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>

#include <sinkforge/error.hpp>

namespace sinkforge::inline v1::registry::detail {

// Debian 12's toml++ (3.3) asserts, and under NDEBUG assumes or marks unreachable, what some
// malformed documents break: `[=`, `[[[`, `x = [[[}`, and non-ASCII characters where it looks for
// whitespace (all found by fuzz.routes) - undefined behavior in the library's release build. So a
// routes file is first held to the part of TOML it needs, line by line: comments, [table] and
// [[array]] headers, and key = value with a string, a number, a boolean or a flat inline table of
// those, in ASCII (a string writes other characters as \uXXXX). What passes is TOML that toml++
// then parses; what does not is refused here with its line.
class subset_check {
 public:
  subset_check(std::string_view text, const std::string& source) : t_(text), source_(source) {}

  void run() {
    while (i_ < t_.size()) {
      ws();
      if (i_ >= t_.size()) break;
      const char c = t_[i_];
      if (c == '\n' || c == '\r' || c == '#') {
      } else if (c == '[') {
        ++i_;
        const bool array = peek('[');
        if (array) ++i_;
        ws();
        key_path();
        ws();
        expect(']', "a table header ends with ]");
        if (array) expect(']', "an array-of-tables header ends with ]]");
      } else {
        key_path();
        ws();
        expect('=', "a line is key = value, a [table] header or a comment");
        ws();
        value(true);
      }
      end_of_line();
    }
  }

 private:
  [[noreturn]] void refuse(const std::string& why) const {
    throw config_error("routes", why + ", at line " + std::to_string(line_) + " (in " + source_ + ")");
  }
  bool peek(char c) const { return i_ < t_.size() && t_[i_] == c; }
  void expect(char c, const char* why) {
    if (!peek(c)) refuse(why);
    ++i_;
  }
  void ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t')) ++i_;
  }
  void end_of_line() {
    ws();
    if (peek('#'))
      while (i_ < t_.size() && t_[i_] != '\n') {
        check_char(t_[i_]);
        ++i_;
      }
    if (peek('\r')) ++i_;
    if (i_ < t_.size() && !peek('\n')) refuse("unexpected text after a value");
    if (peek('\n')) ++i_, ++line_;
  }
  void check_char(char c) const {
    if (static_cast<unsigned char>(c) >= 0x80)
      refuse("a character that is not ASCII: the file is ASCII (in a string, write it as \\uXXXX)");
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) refuse("a control character");
  }
  static bool bare(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }
  void key_path() {
    for (;;) {
      if (peek('"') || peek('\'')) string_value();
      else if (i_ < t_.size() && bare(t_[i_]))
        while (i_ < t_.size() && bare(t_[i_])) ++i_;
      else
        refuse("a key is letters, digits, '_' and '-', or a quoted string");
      ws();
      if (!peek('.')) return;
      ++i_;
      ws();
    }
  }
  void string_value() {
    const char q = t_[i_++];
    if (peek(q) && i_ + 1 < t_.size() && t_[i_ + 1] == q) refuse("multi-line strings are not taken here");
    while (!peek(q)) {
      if (i_ >= t_.size() || peek('\n')) refuse("a string is not closed on its line");
      check_char(t_[i_]);
      if (q == '"' && peek('\\')) {
        ++i_;
        if (i_ >= t_.size()) refuse("a string is not closed on its line");
        const char e = t_[i_];
        if (e == 'u' || e == 'U') {
          const std::size_t n = e == 'u' ? 4 : 8;
          for (std::size_t k = 1; k <= n; ++k)
            if (i_ + k >= t_.size() || !std::isxdigit(static_cast<unsigned char>(t_[i_ + k]))) refuse("\\u takes hex digits");
          i_ += n;
        } else if (e != '"' && e != '\\' && e != 'b' && e != 't' && e != 'n' && e != 'f' && e != 'r') {
          refuse("an escape is \\\" \\\\ \\b \\t \\n \\f \\r \\uXXXX or \\UXXXXXXXX");
        }
      }
      ++i_;
    }
    ++i_;
  }
  void value(bool table_allowed) {
    if (peek('"') || peek('\'')) return string_value();
    if (peek('{')) {
      if (!table_allowed) refuse("an inline table holds strings, numbers and booleans");
      ++i_;
      ws();
      if (peek('}')) return void(++i_);
      for (;;) {
        key_path();
        ws();
        expect('=', "an inline table holds key = value pairs");
        ws();
        value(false);
        ws();
        if (peek('}')) return void(++i_);
        expect(',', "pairs in an inline table are separated by ','");
        ws();
      }
    }
    if (peek('[')) refuse("arrays are not taken here");
    const std::size_t from = i_;
    while (i_ < t_.size() && (bare(t_[i_]) || t_[i_] == '.' || t_[i_] == '+')) ++i_;
    if (i_ == from) refuse("a value is a string, a number, true or false");
  }

  std::string_view t_;
  const std::string& source_;
  std::size_t i_ = 0, line_ = 1;
};
}  // namespace sinkforge::inline v1::registry::detail
