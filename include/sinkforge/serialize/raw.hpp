// serialize::raw: records that already are bytes (std::string, std::string_view, byte vectors),
// written as they are, each followed by `delimiter` ("\n" by default; "" for none).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/serialize/concept.hpp>

namespace sinkforge::inline v1::serialize {

struct raw {
  using policy_family = family::serializer;
  template <class T>
  using payload = byte_records;
  template <class T>
  static constexpr bool can_encode =
      reflect::string_like<T> || reflect::byte_sequence<T> || std::same_as<T, std::vector<char>>;
  template <class T>
  static consteval void check_record() {
    static_assert(can_encode<T>,
                  "sinkforge::make_sink<T>: the serializer cannot encode T: serialize::raw needs T to be "
                  "std::string, std::string_view, std::vector<char> or a contiguous range of std::byte or "
                  "unsigned char; serialize a struct with serialize::ndjson or serialize::csv");
  }

  std::string delimiter = "\n";

  template <class T>
  byte_records make_payload() const {
    return byte_records(framing{});
  }

  template <class T>
    requires(can_encode<T>)
  encode_status append(byte_records& p, const T& record) const {
    return p.append_record<true>([&](byte_buffer& b) {  // framing{}: no separator
      b.append(reinterpret_cast<const char*>(std::ranges::data(record)), std::ranges::size(record));
      b.append(delimiter);
      return encode_status{};
    });
  }
};

}  // namespace sinkforge::inline v1::serialize
