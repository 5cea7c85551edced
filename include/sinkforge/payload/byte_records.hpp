// The payload of byte serializers (json, ndjson, csv, raw): one contiguous buffer holding the
// encoded records with the serializer's framing, plus each record's span, so a transport can send
// the whole buffer in one call and still name the records that failed.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <sinkforge/error.hpp>
#include <sinkforge/payload/byte_buffer.hpp>

namespace sinkforge::inline v1 {

// How records are laid out in a batch: prefix rec (separator rec)* suffix.
// ndjson: "", "", "" with each record ending in '\n'; json: "[", ",", "]".
struct framing {
  std::string_view prefix{};
  std::string_view separator{};
  std::string_view suffix{};
};

// How a reader finds the end of a whole record in a byte stream: every record ends with
// `terminator`, which may also stand inside a `quote`d field (CSV). A zero terminator: unknown.
struct record_boundary {
  char terminator = 0;
  char quote = 0;
};

class byte_records {
 public:
  byte_records() = default;
  explicit byte_records(framing f) : frame_(f) { buf_.append(frame_.prefix); }

  std::size_t size() const noexcept { return ends_.size(); }
  bool empty() const noexcept { return ends_.empty(); }
  // Bytes of the framed batch as it would be sent.
  std::size_t byte_size() const noexcept { return buf_.size() + (sealed_ ? 0 : frame_.suffix.size()); }
  std::string_view operator[](std::size_t i) const noexcept {
    const std::size_t begin = begin_of(i);
    return {buf_.data() + begin, ends_[i] - begin};
  }
  // The framed batch. Call seal() first for framings with a suffix.
  std::string_view bytes() const noexcept { return buf_.view(); }
  const framing& frame() const noexcept { return frame_; }

  // Appends one record written by `encode(byte_buffer&) -> encode_status`; on failure nothing stays.
  // Unseparated: the caller knows that its framing has no separator (ndjson, csv, raw), which
  // spares the test per record.
  template <bool Unseparated = false, class Encode>
  encode_status append_record(Encode&& encode) {
    const std::size_t mark = buf_.size();
    if constexpr (!Unseparated) {
      if (!frame_.separator.empty() && !ends_.empty()) buf_.append(frame_.separator);
    }
    encode_status st = static_cast<Encode&&>(encode)(buf_);
    if (SINKFORGE_UNLIKELY(!st)) {
      buf_.truncate(mark);
      return st;
    }
    ends_.push_back(buf_.size());
    return st;
  }
  void append_encoded(std::string_view record) {
    append_record([&](byte_buffer& b) {
      b.append(record);
      return encode_status{};
    });
  }
  // Size of the most recently appended record.
  std::size_t last_record_bytes() const noexcept { return ends_.back() - begin_of(ends_.size() - 1); }

  // Moves the newest record into `dst` (used when a record would overflow the byte budget).
  void move_last_to(byte_records& dst) {
    dst.append_encoded((*this)[ends_.size() - 1]);
    pop_last();
  }
  void pop_last() {
    const std::size_t cut = ends_.size() > 1 ? ends_[ends_.size() - 2] : frame_.prefix.size();
    ends_.pop_back();
    buf_.truncate(cut);
  }

  void seal() {
    if (!sealed_) {
      buf_.append(frame_.suffix);
      sealed_ = true;
    }
  }
  bool sealed() const noexcept { return sealed_; }

  // Empties the payload, keeping its capacity for reuse.
  void clear() {
    buf_.clear();
    buf_.append(frame_.prefix);
    ends_.clear();
    sealed_ = false;
  }

  // A new payload with the records at `indices` (partial retries).
  byte_records select(std::span<const std::uint32_t> indices) const {
    byte_records out(frame_);
    for (auto i : indices) out.append_encoded((*this)[i]);
    return out;
  }

  // How a failed record is shown to a dead-letter target.
  std::string describe(std::size_t i) const { return std::string((*this)[i]); }

 private:
  // Where record i begins: after the prefix, or after record i - 1 and the separator.
  std::size_t begin_of(std::size_t i) const noexcept {
    return i == 0 ? frame_.prefix.size() : ends_[i - 1] + frame_.separator.size();
  }
  byte_buffer buf_;
  // The byte offset in buf_ where each record ends (its begin follows from the one before): 64-bit,
  // so that a batch may grow past 4 GiB (max_records alone does not bound its bytes).
  std::vector<std::size_t> ends_;
  framing frame_{};
  bool sealed_ = false;
};

}  // namespace sinkforge::inline v1
