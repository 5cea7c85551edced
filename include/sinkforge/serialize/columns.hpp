// serialize::columns: records stay structs and the transport binds each member to a column
// (sqlite::table). Which member types a column can hold is the transport's rule; this serializer
// rejects only values no column can hold faithfully: NaN (SQLite would store NULL silently).
// A dynamic::record's fields go to the columns of their names.
#pragma once

#include <sinkforge/dynamic/record.hpp>
#include <sinkforge/payload/rows.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/serialize/concept.hpp>
#include <sinkforge/serialize/detail/finite.hpp>

namespace sinkforge::inline v1::serialize {

struct columns {
  using policy_family = family::serializer;
  template <class T>
  using payload = rows<T>;
  template <class T>
  static constexpr bool can_encode = (reflect::is_struct<T> || dynamic::is_record<T>) && std::is_copy_constructible_v<T>;
  template <class T>
  static consteval void check_record() {
    static_assert(can_encode<T>,
                  "sinkforge::make_sink<T>: the serializer cannot encode T: serialize::columns needs a "
                  "copyable struct adapted with BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a "
                  "batch keeps copies of its rows to replay them on retry)");
  }

  template <class T>
  rows<T> make_payload() const {
    return rows<T>{};
  }

  template <class T>
    requires(can_encode<T>)
  encode_status append(rows<T>& p, const T& record) const {
    encode_status st = check(record);
    if (st) p.push(record);
    return st;
  }
  template <class T>
    requires(can_encode<T> && !std::is_lvalue_reference_v<T>)
  encode_status append(rows<T>& p, T&& record) const {
    encode_status st = check(record);
    if (st) p.push(std::move(record));
    return st;
  }

  // The first floating-point member (or optional one) holding NaN, which no column keeps faithfully.
  template <class T>
  static encode_status check(const T& record) {
    encode_status st{};
    if constexpr (dynamic::is_record<T>) {
      for (std::size_t i = 0; i < record.size() && st; ++i)
        if (record[i].type == dynamic::kind::real && detail::is_nan(record[i].real))
          st = {encode_errc::non_finite_number, record.names()[i].c_str()};
      return st;
    } else {
      reflect::for_each_member(record, [&](auto name, const auto& m) {
        using M = std::remove_cvref_t<decltype(m)>;
        if constexpr (std::is_floating_point_v<M>) {
          if (st && detail::is_nan(m)) st = {encode_errc::non_finite_number, decltype(name)::c_str()};
        } else if constexpr (reflect::is_optional<M>) {
          if constexpr (std::is_floating_point_v<typename reflect::optional_traits<M>::value_type>)
            if (st && m && detail::is_nan(*m)) st = {encode_errc::non_finite_number, decltype(name)::c_str()};
        }
      });
      return st;
    }
  }
};

}  // namespace sinkforge::inline v1::serialize
