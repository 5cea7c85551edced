// A reference-counted heap value shared by the copies of a policy (metrics counters, a manual clock,
// a memory transport), so a caller keeps a copy to read what the sink's copy did. It holds values
// that never move (atomics, mutexes) and costs a fraction of <memory> to compile.
#pragma once
#include <atomic>
#include <utility>

namespace sinkforge::inline v1::detail {

template <class T>
class shared_box {
 public:
  shared_box() : node_(new node{}) {}
  template <class... Args>
  explicit shared_box(std::in_place_t, Args&&... args) : node_(new node{std::forward<Args>(args)...}) {}

  shared_box(const shared_box& o) noexcept : node_(o.node_) { node_->refs.fetch_add(1, std::memory_order_relaxed); }
  // A moved-from box is empty: it may only be destroyed or assigned to.
  shared_box(shared_box&& o) noexcept : node_(std::exchange(o.node_, nullptr)) {}
  shared_box& operator=(shared_box&& o) noexcept {
    std::swap(node_, o.node_);
    return *this;
  }
  shared_box& operator=(const shared_box& o) noexcept {
    shared_box copy(o);
    std::swap(node_, copy.node_);
    return *this;
  }
  ~shared_box() {
    if (node_ && node_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete node_;
  }

  T& operator*() const noexcept { return node_->value; }
  T* operator->() const noexcept { return &node_->value; }
  long use_count() const noexcept { return node_ ? node_->refs.load(std::memory_order_relaxed) : 0; }
  // The same value (not only an equal one).
  friend bool operator==(const shared_box& a, const shared_box& b) noexcept { return a.node_ == b.node_; }

 private:
  struct node {
    template <class... Args>
    explicit node(Args&&... args) : value(std::forward<Args>(args)...) {}
    std::atomic<long> refs{1};
    T value;
  };
  node* node_;
};

}  // namespace sinkforge::inline v1::detail
