// serialize::csv read back under PostgreSQL's COPY ... FROM (FORMAT csv) rules: NULL and the empty
// string stay apart, for the default and for other NULL texts, any delimiter, any string content.
#include <doctest/doctest.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/hana/define_struct.hpp>

#include <sinkforge/serialize/csv.hpp>

namespace sf = sinkforge;

namespace {

using field = std::optional<std::string>;
using row = std::vector<field>;

// PostgreSQL's COPY FROM in CSV mode (QUOTE and ESCAPE both '"', HEADER true), as
// CopyReadLineText and CopyReadAttributesCSV implement it: a line ends at CR LF or LF outside
// quotes; a line that is exactly \. ends the data; inside quotes "" is one quote and everything
// else is literal; quoted and unquoted parts of a field concatenate; a field is NULL only when no
// part of it was quoted and its text equals the NULL string.
std::vector<row> pg_copy_from_csv(std::string_view in, char delim, std::string_view null, bool header) {
  std::vector<row> rows;
  std::size_t i = 0;
  bool first_line = true;
  while (i < in.size()) {
    // One line: find its end, honouring quotes.
    std::size_t j = i;
    bool quoted = false;
    while (j < in.size() && (quoted || (in[j] != '\n' && in[j] != '\r'))) {
      if (in[j] == '"') quoted = !quoted;
      ++j;
    }
    if (quoted) throw std::runtime_error("unterminated CSV quoted field");
    const std::string_view line = in.substr(i, j - i);
    if (j < in.size() && in[j] == '\r') {
      if (j + 1 >= in.size() || in[j + 1] != '\n') throw std::runtime_error("literal carriage return found in data");
      j += 2;
    } else if (j < in.size()) {
      ++j;
    }
    i = j;
    if (line == "\\.") break;
    if (std::exchange(first_line, false) && header) continue;
    row r;
    std::size_t k = 0;
    for (;;) {
      std::string text;
      bool saw_quote = false;
      while (k < line.size() && line[k] != delim) {
        if (line[k] != '"') {
          text += line[k++];
          continue;
        }
        saw_quote = true;
        ++k;
        for (;;) {
          if (k >= line.size()) throw std::runtime_error("unterminated CSV quoted field");
          if (line[k] == '"') {
            if (k + 1 < line.size() && line[k + 1] == '"') {
              text += '"';
              k += 2;
              continue;
            }
            ++k;
            break;
          }
          text += line[k++];
        }
      }
      if (!saw_quote && text == null) r.emplace_back(std::nullopt);
      else r.emplace_back(std::move(text));
      if (k >= line.size()) break;
      ++k;  // the delimiter
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

struct Mixed {
  BOOST_HANA_DEFINE_STRUCT(Mixed,
                           (std::int64_t, id),
                           (std::optional<std::string>, a),
                           (std::string, b),
                           (std::optional<std::int64_t>, n),
                           (std::optional<bool>, flag),
                           (std::optional<std::optional<std::string>>, nested));
};
struct Lone {
  BOOST_HANA_DEFINE_STRUCT(Lone, (std::optional<std::string>, s));
};

std::string num(std::int64_t v) { return std::to_string(v); }

row expected(const Mixed& m) {
  row r;
  r.emplace_back(num(m.id));
  r.emplace_back(m.a);
  r.emplace_back(m.b);
  r.emplace_back(m.n ? field(num(*m.n)) : std::nullopt);
  r.emplace_back(m.flag ? field(*m.flag ? "true" : "false") : std::nullopt);
  r.emplace_back(m.nested && *m.nested ? field(**m.nested) : std::nullopt);
  return r;
}

template <class T>
std::string write_all(const sf::serialize::csv& s, const std::vector<T>& records) {
  s.validate();
  auto p = s.make_payload<T>();
  for (const auto& r : records) REQUIRE(s.append(p, r));
  return s.preamble<T>() + std::string(p.bytes());
}

std::string to_string(const row& r) {
  std::string out;
  for (const auto& f : r) out += f ? "'" + *f + "' " : "NULL ";
  return out;
}

}  // namespace

TEST_CASE("csv: NULL is an unquoted empty field and the empty string is quoted") {
  const sf::serialize::csv s{.header = false};
  auto p = s.make_payload<Mixed>();
  REQUIRE(s.append(p, Mixed{1, std::nullopt, "", std::nullopt, std::nullopt, std::nullopt}));
  REQUIRE(s.append(p, Mixed{2, "", "x", 0, false, std::optional<std::string>{}}));
  REQUIRE(s.append(p, Mixed{3, "a", "b", 5, true, std::optional<std::string>{""}}));
  CHECK(p[0] == "1,,\"\",,,\r\n");
  CHECK(p[1] == "2,\"\",x,0,false,\r\n");
  CHECK(p[2] == "3,a,b,5,true,\"\"\r\n");
}

TEST_CASE("csv: another NULL text is written bare and a value equal to it is quoted") {
  const sf::serialize::csv s{.header = false, .null_text = "\\N"};
  auto p = s.make_payload<Mixed>();
  REQUIRE(s.append(p, Mixed{1, std::nullopt, "\\N", std::nullopt, std::nullopt, std::nullopt}));
  REQUIRE(s.append(p, Mixed{2, "", "", 7, true, ""}));
  CHECK(p[0] == "1,\\N,\"\\N\",\\N,\\N,\\N\r\n");
  CHECK(p[1] == "2,,,7,true,\r\n");
  // Numbers and booleans are quoted too when they read as the NULL text.
  const sf::serialize::csv one{.header = false, .null_text = "1"};
  auto q = one.make_payload<Mixed>();
  REQUIRE(one.append(q, Mixed{1, "1", "11", 1, std::nullopt, std::nullopt}));
  CHECK(q[0] == "\"1\",\"1\",11,\"1\",1,1\r\n");
}

TEST_CASE("csv: a lone \\. value is quoted so that it is not the end-of-data marker") {
  const sf::serialize::csv s{.header = false};
  auto p = s.make_payload<Lone>();
  REQUIRE(s.append(p, Lone{"\\."}));
  REQUIRE(s.append(p, Lone{std::nullopt}));
  REQUIRE(s.append(p, Lone{""}));
  CHECK(p.bytes() == "\"\\.\"\r\n\r\n\"\"\r\n");
  const auto rows = pg_copy_from_csv(p.bytes(), ',', "", false);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0][0] == field("\\."));
  CHECK(rows[1][0] == std::nullopt);
  CHECK(rows[2][0] == field(""));
}

TEST_CASE("csv: a NULL text a reader could not tell from data is a configuration error") {
  for (const char* bad : {",", "a,b", "\"", "N\r", "\n"}) {
    CAPTURE(bad);
    try {
      sf::serialize::csv{.null_text = bad}.validate();
      FAIL("null_text accepted");
    } catch (const sf::config_error& e) {
      CHECK(e.field() == "serialize::csv.null_text");
    }
  }
  CHECK_THROWS_AS(sf::serialize::csv({.delimiter = '|', .null_text = "a|b"}).validate(), sf::config_error);
  CHECK_NOTHROW(sf::serialize::csv({.delimiter = ';', .null_text = "a,b"}).validate());
  for (const char* good : {"", "\\N", "NULL", " "}) CHECK_NOTHROW(sf::serialize::csv{.null_text = good}.validate());
}

TEST_CASE("csv property: random records survive PostgreSQL's COPY FROM CSV parsing") {
  std::mt19937_64 rng(20261123);
  const std::vector<std::string> specials = {"", "\\N", "NULL", "1", "true", "\\.", "\"", "\"\"", ",", ";", "\t",
                                             "|", "\r\n", "\n", "\r", " ", "\xC3\xA9"};
  const std::string alphabet = "aN\\.,;|\t\" \r\n1";
  auto text = [&] {
    if (rng() % 4 == 0) return specials[rng() % specials.size()];
    std::string s;
    for (std::size_t n = rng() % 8; n > 0; --n) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  auto maybe_text = [&]() -> field {
    if (rng() % 3 == 0) return std::nullopt;
    return text();
  };
  for (const char delim : {',', ';', '\t', '|'}) {
    for (const char* null : {"", "\\N", "NULL", "1", "true", " "}) {
      CAPTURE(delim);
      CAPTURE(null);
      const sf::serialize::csv s{.delimiter = delim, .null_text = null};
      std::vector<Mixed> records;
      std::vector<Lone> lones;
      for (int i = 0; i < 300; ++i) {
        Mixed m{static_cast<std::int64_t>(rng() % 3), maybe_text(), text(), std::nullopt, std::nullopt, std::nullopt};
        if (rng() % 2) m.n = static_cast<std::int64_t>(rng() % 3);
        if (rng() % 2) m.flag = rng() % 2 == 0;
        if (rng() % 2) m.nested = rng() % 2 ? maybe_text() : std::optional<std::string>{};
        records.push_back(std::move(m));
        lones.push_back(Lone{maybe_text()});
      }
      const auto rows = pg_copy_from_csv(write_all(s, records), delim, null, true);
      REQUIRE(rows.size() == records.size());
      for (std::size_t i = 0; i < rows.size(); ++i) {
        CAPTURE(i);
        CHECK(to_string(rows[i]) == to_string(expected(records[i])));
      }
      const auto lone_rows = pg_copy_from_csv(write_all(s, lones), delim, null, true);
      REQUIRE(lone_rows.size() == lones.size());
      for (std::size_t i = 0; i < lones.size(); ++i) {
        REQUIRE(lone_rows[i].size() == 1);
        CHECK(lone_rows[i][0] == lones[i].s);
      }
    }
  }
}
