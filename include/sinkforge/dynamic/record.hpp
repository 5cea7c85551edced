// dynamic::record: a record whose fields are known only at run time — a JSON document read from a
// file, a CSV row — for sinks whose record type cannot be a struct (the sinkforge tool's).
//
//   dynamic::shape_ref order = dynamic::make_shape({"id", "customer", "amount"});
//   dynamic::record r(order);
//   r[0] = dynamic::value::of_text("o1");
//   r[2] = dynamic::value::of_real(9.5);        // r[1] stays null
//   auto sink = sf::make_sink<sf::dynamic::record>(sf::sqlite::table{.path = "shop.db", .name = "orders"});
//   sink.write(r);
//
// A shape is the field names, in order, shared by every record that has them (copies of a
// shape_ref share one shape). Serializers that accept it: serialize::ndjson and json (each record
// as an object of its own fields) and serialize::columns for sqlite::table (each field into the
// column of its name; see docs/registry.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <sinkforge/detail/shared_box.hpp>

namespace sinkforge::inline v1::dynamic {

enum class kind : std::uint8_t { null, boolean, integer, real, text, json };

struct value {
  kind type = kind::null;
  std::int64_t integer = 0;  // kind::integer; kind::boolean: 0 or 1
  double real = 0;           // kind::real
  std::string text{};        // kind::text; kind::json: the JSON text of an object or array, on one line

  static value null() { return {}; }
  static value of_bool(bool b) { return {kind::boolean, b ? 1 : 0, 0, {}}; }
  static value of_integer(std::int64_t i) { return {kind::integer, i, 0, {}}; }
  static value of_real(double d) { return {kind::real, 0, d, {}}; }
  static value of_text(std::string s) { return {kind::text, 0, 0, std::move(s)}; }
  static value of_json(std::string s) { return {kind::json, 0, 0, std::move(s)}; }

  friend bool operator==(const value&, const value&) = default;
};

struct shape {
  std::vector<std::string> names;
};
using shape_ref = sinkforge::detail::shared_box<const shape>;

inline shape_ref make_shape(std::vector<std::string> names) { return shape_ref(std::in_place, shape{std::move(names)}); }
inline shape_ref make_shape(std::initializer_list<std::string_view> names) {
  std::vector<std::string> v;
  v.reserve(names.size());
  for (const std::string_view n : names) v.emplace_back(n);
  return make_shape(std::move(v));
}

class record {
 public:
  explicit record(shape_ref s) : shape_(std::move(s)), values_(shape_->names.size()) {}
  record(shape_ref s, std::vector<value> values) : shape_(std::move(s)), values_(std::move(values)) {
    values_.resize(shape_->names.size());
  }

  const shape_ref& fields() const noexcept { return shape_; }
  const std::vector<std::string>& names() const noexcept { return shape_->names; }
  std::size_t size() const noexcept { return values_.size(); }
  value& operator[](std::size_t i) noexcept { return values_[i]; }
  const value& operator[](std::size_t i) const noexcept { return values_[i]; }
  const std::vector<value>& values() const noexcept { return values_; }

  // The value of the field named `name`, or null when the record has no such field.
  const value* find(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < values_.size(); ++i)
      if (shape_->names[i] == name) return &values_[i];
    return nullptr;
  }

 private:
  shape_ref shape_;
  std::vector<value> values_;
};

template <class T>
inline constexpr bool is_record = std::is_same_v<T, record>;

}  // namespace sinkforge::inline v1::dynamic
