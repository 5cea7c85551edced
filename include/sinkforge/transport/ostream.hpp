// stream::ostream: writes each batch to a std::ostream (std::cout by default).
// A stream in a failed state is a fatal error.
#pragma once
#include <iostream>
#include <ostream>
#include <string>
#include <type_traits>

#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/transport/concept.hpp>

namespace sinkforge::inline v1::stream {

struct ostream {
  using policy_family = family::transport;
  static constexpr transport_capabilities capabilities{.loading = loading_model::append};
  template <class P>
  static constexpr bool accepts_payload = std::is_same_v<P, byte_records>;

  std::ostream* out = &std::cout;

  struct connection {
    std::ostream* out;
    template <class K>
    send_result send(const record_batch<K, byte_records>& b) {
      const auto bytes = b.records.bytes();
      out->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!*out) return send_result::fatal("ostream is in a failed state");
      return send_result::success();
    }
    void flush() { out->flush(); }
  };

  template <class T, class P>
  connection open(const transport_context& cx) const {
    if (out == nullptr) throw config_error("stream::ostream.out", "must not be null");
    if (!cx.preamble.empty()) {
      out->write(cx.preamble.data(), static_cast<std::streamsize>(cx.preamble.size()));
      if (!*out) throw config_error("stream::ostream.out", "the stream failed while writing the header row");
    }
    return connection{out};
  }
};

}  // namespace sinkforge::inline v1::stream
