// Compositions make_sink must reject, each with the message that says what to change.
//
// Every case is one `#if defined(CASE_<name>)` block. The line right after the #if states the
// expectation, read by CMakeLists.txt and check_case.cmake:
//   // expect: compiles              the block must compile (the control case)
//   // expect error: <regex>         the compiler must fail and print a line matching <regex>
//   // and: <regex>                  (any number, after the expect line) the output must also match
// The regex matches the static_assert text only, so that it fits both GCC ("static assertion
// failed: <text>") and Clang ("static_assert failed ... \"<text>\""). Write '.' for a ';' of the
// text, and stop before any double quote in it, which Clang prints escaped.
//
// Each rejected case goes on as a real program would (USE_SINK: write a record, write a range, pipe
// a range, copy through an inserter, flush, read metrics, close), and the harness checks that the
// first error the compiler prints is the static_assert, and that it is the only error.
#include "prelude.hpp"

#if !defined(CASE_async_without_its_header)
#include <sinkforge/async.hpp>
#else
#include <sinkforge/concurrency/async.hpp>
#endif

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

// A nested struct member: JSON can write it (and SQL columns hold it as JSON), CSV cannot.
struct Nested {
  BOOST_HANA_DEFINE_STRUCT(Nested, (std::int64_t, id), (Flat, inner));
};

// A container of pointers: no JSON, so no column.
struct Pointers {
  BOOST_HANA_DEFINE_STRUCT(Pointers, (std::int64_t, id), (std::vector<const int*>, refs));
};

// A view into memory the record does not own: no column may keep it.
struct Viewed {
  BOOST_HANA_DEFINE_STRUCT(Viewed, (std::int64_t, id), (std::string_view, name));
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

// Converts to Flat three ways; a sink of Flat must take none of them.
struct ConvertsToFlat {
  operator Flat() const { return Flat{}; }
};
struct DerivedFlat : Flat {};
struct Named {
  BOOST_HANA_DEFINE_STRUCT(Named, (std::string, name));
  Named() = default;
  Named(std::string n) : name(std::move(n)) {}  // implicit on purpose
};

// A clock whose now() reads the wall clock: its type is not sinkforge::steady_time.
struct wall_clock {
  using policy_family = sf::family::clock;
  std::chrono::system_clock::time_point now() const { return std::chrono::system_clock::now(); }
  sf::wall_time wall() const { return std::chrono::system_clock::now(); }
  void sleep_for(std::chrono::nanoseconds) const {}
};

// A transport that says it can commit atomically but has none of the two-phase-commit members.
struct claims_transactions {
  using policy_family = sf::family::transport;
  static constexpr sf::transport_capabilities capabilities{.transactions = true};
  template <class K, class P>
  sf::send_result send(const sf::record_batch<K, P>&) {
    return sf::send_result::success();
  }
};

}  // namespace cases

// What a program does with a sink after making it.
#define USE_SINK(sink, Record)                     \
  do {                                             \
    sink.write(Record{});                          \
    std::vector<Record> batch(3);                  \
    sink.write(batch);                             \
    batch | sf::to(sink);                          \
    std::ranges::copy(batch, sf::inserter(sink));  \
    sink.flush();                                  \
    (void)sink.metrics();                          \
    sink.close();                                  \
  } while (0)

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
  auto once = sf::make_sink<cases::Flat>(sf::file::append{.path = "flat.ndjson"}, sf::deliver::exactly_once,
                                         sf::restore(std::nullopt));
  once.write(cases::Flat{});
  const sf::writer_state state = once.prepare_checkpoint(1);
  once.commit_checkpoint(state.checkpoint_id);
  auto rolled = sf::make_sink<cases::Flat>(sf::file::rotating{.directory = "out"}, sf::deliver::exactly_once,
                                           sf::restore(std::nullopt));
  rolled.write(cases::Flat{});
  rolled.close();
  // Exactly the record type, in every value category, and ranges of it.
  cases::Flat lvalue{};
  const cases::Flat const_lvalue{};
  a.write(lvalue);
  a.write(const_lvalue);
  a.write(std::move(lvalue));
  auto named = sf::make_sink<cases::Named>(sf::memory::buffer{});
  named.write({"braced"});
  named.write(cases::Named{"explicit"});
  auto j = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::deliver::at_most_once,
                                      sf::concurrency::async_drop_newest{});
  auto k = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::concurrency::async{});
  USE_SINK(a, cases::Flat);
  USE_SINK(j, cases::Flat);
  USE_SINK(k, cases::Flat);
#endif

#if defined(CASE_two_batching_policies)
// expect error: combine batching policies with [|], e[.]g[.] batch::max_records
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::batch::max_records{10}, sf::batch::max_age{1s});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_two_retry_policies)
// expect error: give at most one retry policy. two were given
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::retry::fixed{}, sf::retry::exponential{});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_two_transports)
// expect error: give one transport. two were given
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::file::append{.path = "x"});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_two_partitioners)
// expect error: combine partitioners with partition::composite
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::partition::by<&cases::Flat::customer>,
                                      sf::partition::by<&cases::Flat::id>);
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_no_transport)
// expect error: give a transport, e[.]g[.] sf::sqlite::table.*there is none
  auto s = sf::make_sink<cases::Flat>(sf::batch::max_records{10}, sf::retry::none{});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_not_a_policy)
// expect error: every argument must be a sinkforge policy
// and: argument_is_a_sinkforge_policy<2(UL)?, int>
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, 42);
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_const_record_type)
// expect error: T is the record type and must be a plain object type
  auto s = sf::make_sink<const cases::Flat>(sf::memory::buffer{});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_exactly_once_without_two_phase_commit)
// expect error: deliver::exactly_once needs a transport that can do two-phase commit
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::deliver::exactly_once);
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_transactions_without_two_phase_commit)
// expect error: the transport declares capabilities.transactions but is not a transactional_transport
  auto s = sf::make_sink<cases::Flat>(cases::claims_transactions{}, sf::deliver::exactly_once);
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_restore_without_exactly_once)
// expect error: sf::restore[(][.][.][.][)] recovers two-phase-commit state and needs deliver::exactly_once
  auto s = sf::make_sink<cases::Flat>(sf::file::append{.path = "flat.ndjson"}, sf::restore(std::nullopt));
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_two_restores)
// expect error: give at most one sf::restore[(][.][.][.][)]. two were given
  auto s = sf::make_sink<cases::Flat>(sf::file::append{.path = "flat.ndjson"}, sf::deliver::exactly_once,
                                      sf::restore(std::nullopt), sf::restore(std::nullopt));
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_exactly_once_async)
// expect error: deliver::exactly_once runs on the synchronous frontend in this version
  auto s = sf::make_sink<cases::Flat>(sf::file::append{.path = "flat.ndjson"}, sf::deliver::exactly_once,
                                      sf::concurrency::async{});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_checkpoint_without_exactly_once)
// expect error: prepare_checkpoint[(][)] is two-phase commit and needs deliver::exactly_once in make_sink
  auto s = sf::make_sink<cases::Flat>(sf::file::append{.path = "flat.ndjson"});
  USE_SINK(s, cases::Flat);
  const sf::writer_state state = s.prepare_checkpoint(1);
  (void)state;
#endif

#if defined(CASE_idempotent_key_not_keyable)
// expect error: deliver::idempotent<&T::m> needs a member of T that its reflection lists
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::deliver::idempotent<&cases::Flat::amount>);
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_at_most_once_with_retry)
// expect error: deliver::at_most_once never retries
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::deliver::at_most_once, sf::retry::fixed{});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_csv_container_member)
// expect error: the serializer cannot encode T: serialize::csv needs a struct
  auto s = sf::make_sink<cases::Tagged>(sf::file::append{.path = "tagged.csv"}, sf::serialize::csv{});
  USE_SINK(s, cases::Tagged);
#endif

#if defined(CASE_json_not_adapted)
// expect error: the serializer cannot encode T: serialize::json needs a struct adapted
  auto s = sf::make_sink<cases::Plain>(sf::memory::buffer{}, sf::serialize::json{});
  USE_SINK(s, cases::Plain);
#endif

#if defined(CASE_ndjson_default_not_adapted)
// expect error: the serializer cannot encode T: serialize::ndjson needs a struct adapted
  auto s = sf::make_sink<cases::Plain>(sf::file::append{.path = "plain.ndjson"});
  USE_SINK(s, cases::Plain);
#endif

#if defined(CASE_raw_struct)
// expect error: the serializer cannot encode T: serialize::raw needs T to be std::string
  auto s = sf::make_sink<cases::Flat>(sf::file::append{.path = "flat.bin"}, sf::serialize::raw{});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_custom_serializer_cannot_encode)
// expect error: the serializer cannot encode T. JSON/NDJSON need a struct adapted
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, cases::strings_only{});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_partition_by_member_of_other_type)
// expect error: the partitioner reads a member T does not have
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::partition::by<&cases::Other::region>);
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_partition_by_name_missing)
// expect error: the partitioner reads a member T does not have
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::partition::by_name<"nope">);
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_partition_by_unkeyable_member)
// expect error: partition::by<&T::m> needs a string, integer, enum or bool member
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::partition::by<&cases::Flat::amount>);
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_sqlite_container_of_pointers)
// expect error: sinkforge::sqlite::table cannot store this record type
  auto s = sf::make_sink<cases::Pointers>(sf::sqlite::table{.path = "t.db", .name = "pointers"});
  USE_SINK(s, cases::Pointers);
#endif

#if defined(CASE_sqlite_string_view_member)
// expect error: sinkforge::sqlite::table cannot store this record type
  auto s = sf::make_sink<cases::Viewed>(sf::sqlite::table{.path = "t.db", .name = "viewed"});
  USE_SINK(s, cases::Viewed);
#endif

#if defined(CASE_byte_serializer_with_sqlite)
// expect error: the serializer does not fit the transport.*SQL tables need serialize::columns
  auto s = sf::make_sink<cases::Flat>(sf::sqlite::table{.path = "t.db", .name = "flat"}, sf::serialize::json{});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_cdc_apply_plain_record)
// expect error: sinkforge::cdc::apply: the sink's record type must be sinkforge::cdc::change<Row>
  auto s = sf::make_sink<cases::Flat>(sf::sqlite::table{.path = "t.db", .name = "flat"}, sf::cdc::apply<&cases::Flat::id>);
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_cdc_apply_key_of_another_row)
// expect error: sinkforge::cdc::apply<&Row::key>: the key must be a member of the change's Row
  auto s = sf::make_sink<sf::cdc::change<cases::Flat>>(sf::sqlite::table{.path = "t.db", .name = "flat"},
                                                       sf::cdc::apply<&cases::Other::region>);
  USE_SINK(s, sf::cdc::change<cases::Flat>);
#endif

#if defined(CASE_cdc_apply_to_file)
// expect error: the serializer does not fit the transport
  auto s = sf::make_sink<sf::cdc::change<cases::Flat>>(sf::file::append{.path = "flat.txt"},
                                                       sf::cdc::apply<&cases::Flat::id>);
  USE_SINK(s, sf::cdc::change<cases::Flat>);
#endif

#if defined(CASE_columns_with_file)
// expect error: the serializer does not fit the transport.*need a byte serializer
  auto s = sf::make_sink<cases::Flat>(sf::file::append{.path = "flat.txt"}, sf::serialize::columns{});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_not_a_policy_third_argument)
// expect error: every argument must be a sinkforge policy
// and: argument_is_a_sinkforge_policy<3(UL)?, std::(__cxx11::)?basic_string<char
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::retry::fixed{}, std::string("orders"));
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_clock_now_returns_wall_time)
// expect error: the clock's now[(][)] must return sinkforge::steady_time
// and: clock_now_returns_sinkforge_steady_time<cases::wall_clock, std::chrono::time_point<std::chrono::(_V2::)?system_clock
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, cases::wall_clock{});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_drop_newest_under_at_least_once)
// expect error: concurrency::async_drop_newest discards records when its buffer is full, which only deliver::at_most_once allows
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::concurrency::async_drop_newest{});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_drop_newest_under_exactly_once)
// expect error: deliver::exactly_once needs a transport that can do two-phase commit
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::concurrency::async_drop_newest{},
                                      sf::deliver::exactly_once);
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_async_without_its_header)
// expect error: concurrency::async needs the async frontend: #include <sinkforge/async.hpp>
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::concurrency::async{});
  USE_SINK(s, cases::Flat);
#endif

#if defined(CASE_write_type_that_converts)
// expect error: sink.write[(]x[)] takes exactly the sink's record type T
// and: write_takes_exactly_the_record_type<cases::Flat, cases::ConvertsToFlat>
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{});
  s.write(cases::ConvertsToFlat{});
#endif

#if defined(CASE_write_derived_class)
// expect error: sink.write[(]x[)] takes exactly the sink's record type T
// and: write_takes_exactly_the_record_type<cases::Flat, cases::DerivedFlat>
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{});
  const cases::DerivedFlat d{};
  s.write(d);
#endif

#if defined(CASE_write_type_the_record_constructs_from)
// expect error: sink.write[(]x[)] takes exactly the sink's record type T
// and: write_takes_exactly_the_record_type<cases::Named, std::(__cxx11::)?basic_string<char
  auto s = sf::make_sink<cases::Named>(sf::memory::buffer{});
  s.write(std::string("alice"));
#endif

#if defined(CASE_write_string_into_flat)
// expect error: sink.write[(]x[)] takes exactly the sink's record type T
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{});
  std::string line = "{}";
  s.write(line);
#endif

#if defined(CASE_write_range_of_derived)
// expect error: sink.write[(]x[)] takes exactly the sink's record type T
// and: write_takes_exactly_the_record_type<cases::Flat, std::vector<cases::DerivedFlat
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{});
  std::vector<cases::DerivedFlat> many(2);
  s.write(many);
#endif

#if defined(CASE_pipe_range_of_converting)
// expect error: sink.write[(]x[)] takes exactly the sink's record type T
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{});
  std::vector<cases::ConvertsToFlat> many(2);
  many | sf::to(s);
#endif

#if defined(CASE_async_write_derived_class)
// expect error: sink.write[(]x[)] takes exactly the sink's record type T
  auto s = sf::make_sink<cases::Flat>(sf::memory::buffer{}, sf::concurrency::async{});
  s.write(cases::DerivedFlat{});
#endif
}
