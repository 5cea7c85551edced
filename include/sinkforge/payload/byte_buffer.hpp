// A growable byte buffer that hands out raw write pointers without zero-filling (std::string's
// resize would), so encoders write as fast as a hand-rolled loop.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

#include <sinkforge/config.hpp>

namespace sinkforge::inline v1 {

class byte_buffer {
 public:
  byte_buffer() noexcept = default;
  byte_buffer(const byte_buffer& o) { append(o.view()); }
  byte_buffer(byte_buffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        cap_(std::exchange(o.cap_, 0)) {}
  byte_buffer& operator=(const byte_buffer& o) {
    if (this != &o) {
      size_ = 0;
      append(o.view());
    }
    return *this;
  }
  byte_buffer& operator=(byte_buffer&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      cap_ = std::exchange(o.cap_, 0);
    }
    return *this;
  }
  ~byte_buffer() { std::free(data_); }

  const char* data() const noexcept { return data_; }
  char* data() noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }
  bool empty() const noexcept { return size_ == 0; }
  std::string_view view() const noexcept { return {data_, size_}; }
  void clear() noexcept { size_ = 0; }

  // Returns the end pointer with room for at least n more bytes.
  SINKFORGE_ALWAYS_INLINE char* ensure(std::size_t n) {
    if (SINKFORGE_UNLIKELY(cap_ - size_ < n)) grow(size_ + n);
    return data_ + size_;
  }
  // Marks everything up to p (obtained from ensure) as written.
  void commit_to(const char* p) noexcept { size_ = static_cast<std::size_t>(p - data_); }
  // Shrinks (never grows) the written size.
  void truncate(std::size_t n) noexcept {
    if (n < size_) size_ = n;
  }
  void reserve(std::size_t n) {
    if (n > cap_) grow(n);
  }

  SINKFORGE_ALWAYS_INLINE void append(const char* p, std::size_t n) {
    char* out = ensure(n);
    if (n) std::memcpy(out, p, n);
    size_ += n;
  }
  SINKFORGE_ALWAYS_INLINE void append(std::string_view s) { append(s.data(), s.size()); }
  SINKFORGE_ALWAYS_INLINE void push_back(char c) {
    *ensure(1) = c;
    ++size_;
  }

 private:
  SINKFORGE_COLD void grow(std::size_t need) {
    std::size_t cap = cap_ ? cap_ : 256;
    while (cap < need) cap *= 2;
    void* p = std::realloc(data_, cap);
    if (!p) throw std::bad_alloc();
    data_ = static_cast<char*>(p);
    cap_ = cap;
  }

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

}  // namespace sinkforge::inline v1
