// An append-only POSIX file whose batches land whole or not at all, and which cuts a torn tail
// left by an earlier writer when it opens the file.
#pragma once
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sinkforge/config.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/transport/concept.hpp>

namespace sinkforge::inline v1::file {

// When data is forced to the disk: never (the OS decides), or after every batch (fdatasync).
enum class sync : std::uint8_t { never, per_batch };

namespace detail {

inline failure_kind classify_errno(int e) noexcept {
  switch (e) {
    case ENOSPC:
    case EDQUOT:
    case EAGAIN:
    case EIO:
    case EMFILE:
    case ENFILE:
      return failure_kind::retryable;
    default:
      return failure_kind::fatal;
  }
}

inline send_result errno_result(const char* what, const std::string& path, int e) {
  std::string msg = std::string(what) + " '" + path + "': " + std::strerror(e);
  if (classify_errno(e) == failure_kind::retryable) return send_result::retryable(std::move(msg));
  return send_result::fatal(std::move(msg));
}

// mkdir -p: creates `dir` and any missing parent. Returns 0, or the errno of the step that failed
// (ENOTDIR when `dir` exists and is not a directory). <filesystem> would cost every TU that
// includes a file transport its compile time.
inline int make_directories(const std::string& dir, mode_t mode = 0777) {
  if (dir.empty()) return 0;
  for (std::size_t end = dir.find('/', 1);; end = dir.find('/', end + 1)) {
    const std::string prefix = dir.substr(0, end);
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      // Some systems report an existing directory with another errno (EISDIR, EROFS, EACCES).
      const int e = errno;
      struct stat st {};
      if (::stat(prefix.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return e;
    }
    if (end == std::string::npos) break;
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return errno;
  return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

inline std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + '/' + name;
}

// What a file's tail held when it was opened and did not end at a record boundary.
struct torn_tail {
  std::uint64_t cut_bytes = 0;  // how many bytes were cut
  std::string fragment;         // the first of them, for the report (at most 256)
};

// The length of the longest prefix of the open file `fd` (of `size` bytes) that ends at a record
// boundary: just after a terminator byte that is outside quotes. Without a quote character the
// last terminator is found by reading backwards; with one (CSV, where a quoted field may hold the
// terminator) the parity of quotes is tracked from the start, which reads the whole file.
// Returns `size` when the boundary is unknown (no terminator declared), or -1 with errno set.
inline std::int64_t intact_length(int fd, std::uint64_t size, record_boundary b) {
  if (b.terminator == 0 || size == 0) return static_cast<std::int64_t>(size);
  char buf[1 << 16];
  if (b.quote == 0) {
    std::uint64_t end = size;
    while (end > 0) {
      const std::uint64_t begin = end > sizeof buf ? end - sizeof buf : 0;
      const std::size_t len = static_cast<std::size_t>(end - begin);
      if (::pread(fd, buf, len, static_cast<off_t>(begin)) != static_cast<ssize_t>(len)) return -1;
      for (std::size_t i = len; i-- > 0;)
        if (buf[i] == b.terminator) return static_cast<std::int64_t>(begin + i + 1);
      end = begin;
    }
    return 0;
  }
  bool quoted = false;
  std::uint64_t boundary = 0;
  for (std::uint64_t at = 0; at < size;) {
    const std::size_t len = static_cast<std::size_t>(size - at < sizeof buf ? size - at : sizeof buf);
    if (::pread(fd, buf, len, static_cast<off_t>(at)) != static_cast<ssize_t>(len)) return -1;
    for (std::size_t i = 0; i < len; ++i) {
      if (buf[i] == b.quote) quoted = !quoted;  // a doubled quote flips twice
      else if (buf[i] == b.terminator && !quoted) boundary = at + i + 1;
    }
    at += len;
  }
  return static_cast<std::int64_t>(boundary);
}

inline transport_notice torn_notice(const std::string& path, torn_tail&& torn) {
  return transport_notice{std::move(torn.fragment),
                          "cut a torn tail of " + std::to_string(torn.cut_bytes) + " byte(s) from '" + path +
                              "': an earlier writer stopped inside a record, which was never acknowledged"};
}

// An append-only POSIX file in which a batch lands whole or not at all: a failed or short write,
// or a failed fdatasync, cuts the file back to its length before the batch (ftruncate) before the
// failure is reported, so a record reported failed is never in the file and the next batch never
// glues onto a fragment. When that cut fails too, the file is broken: it is never appended again.
class append_file {
 public:
  append_file() = default;
  append_file(const append_file&) = delete;
  append_file& operator=(const append_file&) = delete;
  append_file(append_file&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)), size_(o.size_),
        broken_(std::move(o.broken_)) {}
  append_file& operator=(append_file&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = std::exchange(o.fd_, -1);
      path_ = std::move(o.path_);
      size_ = o.size_;
      broken_ = std::move(o.broken_);
    }
    return *this;
  }
  ~append_file() { close(); }

  // Opens (creating) `path` for appending. An existing file whose tail is not a record boundary
  // (a writer stopped mid-record) is cut back to the last boundary, and `torn` says what was cut.
  // Writes `preamble` when the file is then empty. Returns 0 or errno.
  int open(std::string path, std::string_view preamble, mode_t mode, bool exclusive = false,
           record_boundary boundary = {}, torn_tail* torn = nullptr) {
    close();
    path_ = std::move(path);
    broken_.clear();
    const int flags = O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : 0);
    fd_ = ::open(path_.c_str(), flags, mode);
    if (fd_ < 0) return errno;
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return errno;
    size_ = static_cast<std::uint64_t>(st.st_size);
    if (size_ > 0 && S_ISREG(st.st_mode)) {
      const std::int64_t intact = intact_length(fd_, size_, boundary);
      if (intact < 0) return errno;
      if (static_cast<std::uint64_t>(intact) < size_) {
        if (torn) {
          torn->cut_bytes = size_ - static_cast<std::uint64_t>(intact);
          torn->fragment.resize(static_cast<std::size_t>(torn->cut_bytes < 256 ? torn->cut_bytes : 256));
          if (::pread(fd_, torn->fragment.data(), torn->fragment.size(), static_cast<off_t>(intact)) < 0)
            torn->fragment.clear();
        }
        if (int e = cut_back(static_cast<std::uint64_t>(intact))) return e;
      }
    }
    if (size_ == 0 && !preamble.empty()) {
      if (int e = write_all(preamble)) {
        cut_back(0);
        return e;
      }
    }
    return 0;
  }

  // Appends one batch whole, or leaves the file as it was and returns the failure.
  send_result append(std::string_view bytes, sync mode) {
    if (SINKFORGE_UNLIKELY(!broken_.empty())) return send_result::fatal(broken_);
    const std::uint64_t before = size_;
    const char* what = "write";
    int e = write_all(bytes);
    if (e == 0 && mode == sync::per_batch && ::fdatasync(fd_) != 0) {
      e = errno;
      what = "fdatasync";
    }
    if (SINKFORGE_LIKELY(e == 0)) return send_result::success();
    return undo(what, e, before);
  }

  int datasync() { return (fd_ >= 0 && ::fdatasync(fd_) != 0) ? errno : 0; }

  void close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool is_open() const noexcept { return fd_ >= 0; }
  int fd() const noexcept { return fd_; }
  bool broken() const noexcept { return !broken_.empty(); }
  std::uint64_t size() const noexcept { return size_; }
  const std::string& path() const noexcept { return path_; }

 private:
  SINKFORGE_COLD send_result undo(const char* what, int e, std::uint64_t before) {
    if (const int cut = cut_back(before)) {
      broken_ = std::string(what) + " '" + path_ + "' failed (" + std::strerror(e) +
                ") and cutting the file back to " + std::to_string(before) + " bytes failed too (" +
                std::strerror(cut) + "); the file is no longer written";
      return send_result::fatal(broken_);
    }
    return errno_result(what, path_, e);
  }

  int cut_back(std::uint64_t length) {
    while (::ftruncate(fd_, static_cast<off_t>(length)) != 0)
      if (errno != EINTR) return errno;
    size_ = length;
    return 0;
  }

  int write_all(std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      done += static_cast<std::size_t>(n);
      size_ += static_cast<std::uint64_t>(n);
    }
    return 0;
  }

  int fd_ = -1;
  std::string path_;
  std::uint64_t size_ = 0;
  std::string broken_;  // why the file is no longer written, when it is not
};

}  // namespace detail
}  // namespace sinkforge::inline v1::file
