// Compositions make_sink must reject, each with the message that says what to change.
//
// Every case is one `#if defined(CASE_<name>)` block. The line right after the #if states the
// expectation, read by CMakeLists.txt and check_case.cmake:
//   // expect: compiles              the block must compile (the control case)
//   // expect error: <regex>         the compiler must fail and print a line matching <regex>
// The regex matches the static_assert text only, so that it fits both GCC ("static assertion
// failed: <text>") and Clang ("static_assert failed ... \"<text>\""). Write '.' for a ';' of the
// text, and stop before any double quote in it, which Clang prints escaped.
#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/hana/define_struct.hpp>

#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/sqlite.hpp>

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace cases {

// Flat: every serializer and transport accepts it.
struct Flat {
  BOOST_HANA_DEFINE_STRUCT(Flat, (std::int64_t, id), (std::string, customer), (double, amount));
};

// A container member: JSON can write it, CSV and SQLite columns cannot.
struct Tagged {
  BOOST_HANA_DEFINE_STRUCT(Tagged, (std::int64_t, id), (std::vector<int>, tags));
};

// A nested struct member: JSON can write it, SQLite columns cannot.
struct Nested {
  BOOST_HANA_DEFINE_STRUCT(Nested, (std::int64_t, id), (Flat, inner));
};

// Not adapted with Boost.Hana: no serializer can see its members.
struct Plain {
  std::int64_t id;
  std::string name;
};

// Some other record type, for partitioning by a member of the wrong struct.
struct Other {
  BOOST_HANA_DEFINE_STRUCT(Other, (std::string, region));
};

// A serializer of one's own without check_record: make_sink gives its generic message.
struct strings_only {
  using policy_family = sf::family::serializer;
  template <class T>
  using payload = sf::byte_records;
  template <class T>
  static constexpr bool can_encode = std::is_same_v<T, std::string>;
  template <class T>
  sf::byte_records make_payload() const {
    return sf::byte_records(sf::framing{});
  }
  sf::encode_status append(sf::byte_records& p, const std::string& record) const {
    p.append_encoded(record);
    return {};
  }
};

}  // namespace cases

void compose() {
#if defined(CASE_control)
// expect: compiles
  // The same shapes as the failing cases below, used correctly.
  auto a = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::batch::max_records{10} | sf::batch::max_age{1s},
                                      sf::retry::fixed{});
  auto b = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::deliver::at_most_once);
  auto c = sf::make_sink<cases::Flat>(sf::file::append{.path = "flat.csv"}, sf::serialize::csv{});
  auto d = sf::make_sink<cases::Tagged>(sf::memory::buffer{}, sf::serialize::json{});
  auto e = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::partition::by<&cases::Flat::customer>);
  auto f = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::partition::by_name<"customer">);
  auto g = sf::make_sink<cases::Flat>(sf::sqlite::table{.path = "flat.db", .name = "flat"});
  auto h = sf::make_sink<cases::Flat>(sf::sqlite::table{.path = "flat.db", .name = "flat"}, sf::serialize::columns{});
  auto i = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::deliver::at_least_once, sf::retry::exponential{});
  a.write(cases::Flat{});
  b.write(cases::Flat{});
  c.write(cases::Flat{});
  d.write(cases::Tagged{});
  e.write(cases::Flat{});
  f.write(cases::Flat{});
  g.write(cases::Flat{});
  h.write(cases::Flat{});
  i.write(cases::Flat{});
#endif

#if defined(CASE_two_batching_policies)
// expect error: combine batching policies with [|], e[.]g[.] batch::max_records
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::batch::max_records{10}, sf::batch::max_age{1s});
#endif

#if defined(CASE_two_retry_policies)
// expect error: give at most one retry policy. two were given
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::retry::fixed{}, sf::retry::exponential{});
#endif

#if defined(CASE_two_transports)
// expect error: give one transport. two were given
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::file::append{.path = "x"});
#endif

#if defined(CASE_two_partitioners)
// expect error: combine partitioners with partition::composite
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::partition::by<&cases::Flat::customer>,
                                      sf::partition::by<&cases::Flat::id>);
#endif

#if defined(CASE_no_transport)
// expect error: give a transport, e[.]g[.] sf::sqlite::table.*there is none
  auto s = sf::make_sink<cases::Flat>(sf::batch::max_records{10}, sf::retry::none{});
#endif

#if defined(CASE_not_a_policy)
// expect error: every argument must be a sinkforge policy
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, 42);
#endif

#if defined(CASE_const_record_type)
// expect error: T is the record type and must be a plain object type
  auto s = sf::make_sink<const cases::Flat>(sf::memory::buffer{});
#endif

#if defined(CASE_exactly_once_without_two_phase_commit)
// expect error: deliver::exactly_once needs a transport that can do two-phase commit
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::deliver::exactly_once);
#endif

#if defined(CASE_at_most_once_with_retry)
// expect error: deliver::at_most_once never retries
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::deliver::at_most_once, sf::retry::fixed{});
#endif

#if defined(CASE_csv_container_member)
// expect error: the serializer cannot encode T: serialize::csv needs a struct
  auto s = sf::make_sink<cases::Tagged>(sf::file::append{.path = "tagged.csv"}, sf::serialize::csv{});
#endif

#if defined(CASE_json_not_adapted)
// expect error: the serializer cannot encode T: serialize::json needs a struct adapted
  auto s = sf::make_sink<cases::Plain>(sf::memory::buffer{}, sf::serialize::json{});
#endif

#if defined(CASE_ndjson_default_not_adapted)
// expect error: the serializer cannot encode T: serialize::ndjson needs a struct adapted
  auto s = sf::make_sink<cases::Plain>(sf::file::append{.path = "plain.ndjson"});
#endif

#if defined(CASE_raw_struct)
// expect error: the serializer cannot encode T: serialize::raw needs T to be std::string
  auto s = sf::make_sink<cases::Flat>(sf::file::append{.path = "flat.bin"}, sf::serialize::raw{});
#endif

#if defined(CASE_custom_serializer_cannot_encode)
// expect error: the serializer cannot encode T. JSON/NDJSON need a struct adapted
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, cases::strings_only{});
#endif

#if defined(CASE_partition_by_member_of_other_type)
// expect error: the partitioner reads a member T does not have
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::partition::by<&cases::Other::region>);
#endif

#if defined(CASE_partition_by_name_missing)
// expect error: the partitioner reads a member T does not have
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::partition::by_name<"nope">);
#endif

#if defined(CASE_partition_by_unkeyable_member)
// expect error: partition::by<&T::m> needs a string, integer, enum or bool member
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::partition::by<&cases::Flat::amount>);
#endif

#if defined(CASE_sqlite_container_member)
// expect error: sinkforge::sqlite::table cannot store this record type
  auto s = sf::make_sink<cases::Tagged>(sf::sqlite::table{.path = "t.db", .name = "tagged"});
#endif

#if defined(CASE_sqlite_nested_struct)
// expect error: sinkforge::sqlite::table cannot store this record type
  auto s = sf::make_sink<cases::Nested>(sf::sqlite::table{.path = "t.db", .name = "nested"});
#endif

#if defined(CASE_byte_serializer_with_sqlite)
// expect error: the serializer does not fit the transport.*SQL tables need serialize::columns
  auto s = sf::make_sink<cases::Flat>(sf::sqlite::table{.path = "t.db", .name = "flat"}, sf::serialize::json{});
#endif

#if defined(CASE_columns_with_file)
// expect error: the serializer does not fit the transport.*need a byte serializer
  auto s = sf::make_sink<cases::Flat>(sf::file::append{.path = "flat.txt"}, sf::serialize::columns{});
#endif
}
