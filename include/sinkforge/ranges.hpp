// Sinks as outputs of ranges:
//   ranges::copy(events | views::filter(valid), sf::inserter(sink));
//   events | views::transform(to_order) | sf::to(sink);
#pragma once
#include <cstddef>
#include <iterator>
#include <utility>

#include <sinkforge/config.hpp>
#include <sinkforge/detail/range.hpp>

namespace sinkforge::inline v1 {

// An output iterator that writes each assigned record to the sink.
template <class Sink>
class insert_iterator {
 public:
  using iterator_category = std::output_iterator_tag;
  using value_type = void;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = void;

  insert_iterator() = default;
  explicit insert_iterator(Sink& s) noexcept : sink_(&s) {}

  template <class U>
  insert_iterator& operator=(U&& record) {
    sink_->write(static_cast<U&&>(record));
    return *this;
  }
  insert_iterator& operator*() noexcept { return *this; }
  insert_iterator& operator++() noexcept { return *this; }
  insert_iterator& operator++(int) noexcept { return *this; }

 private:
  Sink* sink_ = nullptr;
};

template <class Sink>
insert_iterator<Sink> inserter(Sink& sink) noexcept {
  return insert_iterator<Sink>(sink);
}

template <class Sink>
struct to_sink {
  Sink* sink;

  // Writes every element of the range; returns the number written.
  template <class R>
    requires detail::input_range<R>
  friend std::size_t operator|(R&& records, to_sink s) {
    std::size_t n = 0;
    for (auto it = std::ranges::begin(records), end = std::ranges::end(records); it != end; ++it, ++n) s.sink->write(*it);
    return n;
  }
};

template <class Sink>
to_sink<Sink> to(Sink& sink) noexcept {
  return to_sink<Sink>{&sink};
}

}  // namespace sinkforge::inline v1
