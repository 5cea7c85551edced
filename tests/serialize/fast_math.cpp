// Built with -ffast-math (tests/CMakeLists.txt): the compiler may then assume no value is NaN or
// infinite and delete `x != x`-style checks. The encoders must still refuse such values, and still
// write finite ones exactly as without the flag.
#include <doctest/doctest.h>

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>

#include <boost/hana/define_struct.hpp>

#include <sinkforge/serialize/columns.hpp>
#include <sinkforge/serialize/csv.hpp>
#include <sinkforge/serialize/json.hpp>

#ifndef __FAST_MATH__
#error "this test must be compiled with -ffast-math"
#endif

namespace sf = sinkforge;

namespace {

struct Floats {
  BOOST_HANA_DEFINE_STRUCT(Floats, (float, f), (double, d), (long double, ld));
};
struct MaybeFloats {
  BOOST_HANA_DEFINE_STRUCT(MaybeFloats, (std::optional<float>, f), (std::optional<double>, d),
                           (std::optional<long double>, ld));
};

enum class kind { nan, pos_inf, neg_inf };

// Through a volatile, so that the optimizer cannot see which value reaches the encoder.
template <class F>
F special(kind k) {
  volatile F v = k == kind::nan       ? std::numeric_limits<F>::quiet_NaN()
                 : k == kind::pos_inf ? std::numeric_limits<F>::infinity()
                                      : -std::numeric_limits<F>::infinity();
  return v;
}

template <class S, class R>
sf::encode_status append_one(const S& s, const R& r, std::size_t& kept) {
  auto p = s.template make_payload<R>();
  auto st = s.append(p, r);
  kept = p.size();
  return st;
}

// Sets member number `which` (0 f, 1 d, 2 ld) of a record of finite values to the special value.
template <class R>
R with_special(int which, kind k) {
  R r{1.5f, 2.5, 3.5L};
  if (which == 0) r.f = special<float>(k);
  if (which == 1) r.d = special<double>(k);
  if (which == 2) r.ld = special<long double>(k);
  return r;
}

constexpr const char* names[] = {"f", "d", "ld"};

template <class S>
void check_rejects(const S& s, bool infinities_too) {
  for (int which = 0; which < 3; ++which) {
    for (kind k : {kind::nan, kind::pos_inf, kind::neg_inf}) {
      CAPTURE(which);
      CAPTURE(static_cast<int>(k));
      const bool must_reject = k == kind::nan || infinities_too;
      std::size_t kept = 0;
      auto st = append_one(s, with_special<Floats>(which, k), kept);
      CHECK(bool(st) == !must_reject);
      if (must_reject) {
        CHECK(st.code == sf::encode_errc::non_finite_number);
        CHECK(std::string(st.field) == names[which]);
        CHECK(kept == 0);
      }
      st = append_one(s, with_special<MaybeFloats>(which, k), kept);
      CHECK(bool(st) == !must_reject);
      if (must_reject) {
        CHECK(st.code == sf::encode_errc::non_finite_number);
        CHECK(std::string(st.field) == names[which]);
      }
    }
  }
}

template <class S, class R>
std::string encode(const S& s, const R& r) {
  auto p = s.template make_payload<R>();
  REQUIRE(s.append(p, r));
  p.seal();
  return std::string(p.bytes());
}

}  // namespace

TEST_CASE("fast-math: json and ndjson reject NaN and infinities of every floating type") {
  check_rejects(sf::serialize::ndjson{}, true);
  check_rejects(sf::serialize::json{}, true);
}

TEST_CASE("fast-math: csv rejects NaN and infinities of every floating type") {
  check_rejects(sf::serialize::csv{}, true);
}

TEST_CASE("fast-math: columns rejects NaN of every floating type (infinities are storable)") {
  check_rejects(sf::serialize::columns{}, false);
}

TEST_CASE("fast-math: finite numbers are written exactly as without the flag") {
  volatile float f = 0.1f;
  volatile double d = 1.0 / 3.0;
  volatile long double ld = 0.1L;
  const Floats r{f, d, ld};
  CHECK(encode(sf::serialize::ndjson{}, r) == "{\"f\":0.1,\"d\":0.3333333333333333,\"ld\":0.1}\n");
  CHECK(encode(sf::serialize::csv{.header = false}, r) == "0.1,0.3333333333333333,0.1\r\n");
  const Floats big{std::numeric_limits<float>::max(), std::numeric_limits<double>::max(),
                   std::numeric_limits<long double>::max()};
  CHECK(encode(sf::serialize::ndjson{}, big) ==
        "{\"f\":3.4028235e+38,\"d\":1.7976931348623157e+308,\"ld\":1.189731495357231765e+4932}\n");
  const Floats small{std::numeric_limits<float>::denorm_min(), std::numeric_limits<double>::denorm_min(),
                     -1e-300L};
  CHECK(encode(sf::serialize::ndjson{}, small) == "{\"f\":1e-45,\"d\":5e-324,\"ld\":-1e-300}\n");
  // The diagnostic rendering still tells NaN from the infinities.
  CHECK(sf::serialize::to_json_lenient(with_special<Floats>(1, kind::nan)) ==
        "{\"f\":1.5,\"d\":\"NaN\",\"ld\":3.5}");
  CHECK(sf::serialize::to_json_lenient(with_special<Floats>(2, kind::neg_inf)) ==
        "{\"f\":1.5,\"d\":2.5,\"ld\":\"-Infinity\"}");
}

TEST_CASE("fast-math: dynamic records refuse NaN and infinities in ndjson, csv and columns") {
  namespace dyn = sf::dynamic;
  const auto shape = dyn::make_shape({"x"});
  for (const kind k : {kind::nan, kind::pos_inf, kind::neg_inf}) {
    dyn::record r(shape);
    r[0] = dyn::value::of_real(special<double>(k));
    std::size_t kept = 9;
    CHECK(append_one(sf::serialize::ndjson{}, r, kept).code == sf::encode_errc::non_finite_number);
    CHECK(kept == 0);
    CHECK(append_one(sf::serialize::csv{.columns = {"x"}}, r, kept).code == sf::encode_errc::non_finite_number);
    CHECK(kept == 0);
    if (k == kind::nan) CHECK(sf::serialize::columns::check(r).code == sf::encode_errc::non_finite_number);
  }
  dyn::record fine(shape);
  fine[0] = dyn::value::of_real(0.25);
  std::size_t kept = 0;
  CHECK(append_one(sf::serialize::ndjson{}, fine, kept));
  CHECK(kept == 1);
}

TEST_CASE("fast-math: every double is written as std::to_chars writes it (subnormals aside)") {
  // The short decimals go through a floating-point multiplication and division whose test the
  // flag must not rewrite. The reference is libstdc++'s std::to_chars, built without the flag;
  // subnormals are left out, as a program linked with -ffast-math may treat them as zero.
  std::mt19937_64 rng(5);
  int mismatches = 0;
  std::string first_mismatch;
  const auto check = [&](double v) {
    const auto bits = std::bit_cast<std::uint64_t>(v);
    const auto exponent = (bits >> 52) & 0x7FF;
    if (exponent == 0 || exponent == 0x7FF) return;
    char want[64], got[64];
    const std::string expected(want, std::to_chars(want, want + sizeof want, v).ptr);
    const std::string mine(got, sf::serialize::detail::put_floating(got, v));
    if (mine != expected && mismatches++ == 0) first_mismatch = mine + " vs " + expected;
  };
  for (int i = 0; i < 200000; ++i) {
    double scale = 1;
    for (int k = static_cast<int>(rng() % 20); k > 0; --k) scale *= 10;
    const auto m = static_cast<double>(rng() % 100000000);
    volatile double v = m / scale;  // computed at run time, as a record's value is
    check(v);
    check(-v);
    check(m * scale);
    check(std::bit_cast<double>(std::bit_cast<std::uint64_t>(static_cast<double>(v)) + 1));
    check(std::bit_cast<double>(rng()));
  }
  CHECK_MESSAGE(mismatches == 0, first_mismatch);
}
