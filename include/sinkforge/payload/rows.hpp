// The payload of serialize::columns: the records themselves, for transports that bind each member
// to a column (SQLite; later PostgreSQL). Its byte size is an estimate: the struct plus its strings.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <sinkforge/reflect.hpp>
#include <sinkforge/serialize/json.hpp>

namespace sinkforge::inline v1 {

template <class T>
class rows {
 public:
  using value_type = T;

  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  std::size_t byte_size() const noexcept { return bytes_; }
  const T& operator[](std::size_t i) const noexcept { return items_[i]; }
  auto begin() const noexcept { return items_.begin(); }
  auto end() const noexcept { return items_.end(); }

  template <class U>
  void push(U&& record) {
    last_bytes_ = estimate(record);
    bytes_ += last_bytes_;
    items_.push_back(static_cast<U&&>(record));
  }
  std::size_t last_record_bytes() const noexcept { return last_bytes_; }
  void move_last_to(rows& dst) {
    dst.push(std::move(items_.back()));
    pop_last();
  }
  // Undoes the latest push.
  void pop_last() {
    bytes_ -= last_bytes_;
    items_.pop_back();
  }
  void seal() noexcept {}
  void clear() noexcept {
    items_.clear();
    bytes_ = 0;
  }
  rows select(std::span<const std::uint32_t> indices) const {
    rows out;
    for (auto i : indices) out.push(items_[i]);
    return out;
  }
  std::string describe(std::size_t i) const { return serialize::to_json_lenient(items_[i]); }

  static std::size_t estimate(const T& record) {
    std::size_t n = sizeof(T);
    if constexpr (dynamic::is_record<T>) {
      for (const auto& v : record.values()) n += sizeof(v) + v.text.size();
    } else if constexpr (reflect::is_struct<T>) {
      reflect::for_each_member(record, [&](auto, const auto& m) {
        using M = std::remove_cvref_t<decltype(m)>;
        if constexpr (reflect::string_like<M> || reflect::byte_sequence<M>) n += std::ranges::size(m);
        else if constexpr (reflect::is_optional<M>) {
          using V = typename reflect::optional_traits<M>::value_type;
          if constexpr (reflect::string_like<V>)
            if (m) n += m->size();
        }
      });
    }
    return n;
  }

 private:
  std::vector<T> items_;
  std::size_t bytes_ = 0;
  std::size_t last_bytes_ = 0;
};

}  // namespace sinkforge::inline v1
