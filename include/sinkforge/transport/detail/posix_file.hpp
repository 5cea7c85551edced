// An append-only POSIX file: write(2) loops over short writes, and a batch retried after a short
// write resumes where it stopped, so a retry never duplicates bytes in the file.
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

#include <sinkforge/error.hpp>

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

class append_file {
 public:
  append_file() = default;
  append_file(const append_file&) = delete;
  append_file& operator=(const append_file&) = delete;
  append_file(append_file&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)), size_(o.size_),
        resume_sequence_(o.resume_sequence_), resume_offset_(o.resume_offset_) {}
  append_file& operator=(append_file&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = std::exchange(o.fd_, -1);
      path_ = std::move(o.path_);
      size_ = o.size_;
      resume_sequence_ = o.resume_sequence_;
      resume_offset_ = o.resume_offset_;
    }
    return *this;
  }
  ~append_file() { close(); }

  // Opens (creating) `path` for appending; writes `preamble` when the file is empty. errno on failure.
  int open(std::string path, std::string_view preamble, mode_t mode, bool exclusive = false) {
    close();
    path_ = std::move(path);
    const int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : 0);
    fd_ = ::open(path_.c_str(), flags, mode);
    if (fd_ < 0) return errno;
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return errno;
    size_ = static_cast<std::uint64_t>(st.st_size);
    if (size_ == 0 && !preamble.empty()) {
      std::size_t done = 0;
      if (int e = write_all(preamble, done)) return e;
    }
    return 0;
  }

  // Appends one batch. `sequence`/`attempt` let a retry resume after a short write.
  send_result append(std::string_view bytes, std::uint64_t sequence, std::uint32_t attempt, sync mode) {
    std::size_t done = 0;
    if (attempt > 1 && sequence == resume_sequence_ && resume_offset_ <= bytes.size()) done = resume_offset_;
    if (int e = write_all(bytes, done)) {
      resume_sequence_ = sequence;
      resume_offset_ = done;
      return errno_result("write", path_, e);
    }
    if (mode == sync::per_batch && ::fdatasync(fd_) != 0) {
      // Every byte is written: a retry only syncs again.
      resume_sequence_ = sequence;
      resume_offset_ = bytes.size();
      return errno_result("fdatasync", path_, errno);
    }
    resume_offset_ = 0;
    resume_sequence_ = UINT64_MAX;
    return send_result::success();
  }

  int datasync() { return (fd_ >= 0 && ::fdatasync(fd_) != 0) ? errno : 0; }

  void close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool is_open() const noexcept { return fd_ >= 0; }
  std::uint64_t size() const noexcept { return size_; }
  const std::string& path() const noexcept { return path_; }

 private:
  int write_all(std::string_view bytes, std::size_t& done) {
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
  std::uint64_t resume_sequence_ = UINT64_MAX;
  std::size_t resume_offset_ = 0;
};

}  // namespace detail
}  // namespace sinkforge::inline v1::file
