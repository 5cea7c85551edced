// Two-phase commit of checkpoints into an append-only target file: a prepared checkpoint is durable
// and invisible, a committed one visible exactly once, however often its commit is repeated and
// wherever a crash interrupts it. One fdatasync per checkpoint.
//
//   stage     the batches go to a staging file `<target>.<k>.staging` (k numbers the staging
//             files of a target); checkpoints follow each other in it
//   prepare   fdatasync the staging file. The committable names the staging file, the byte range
//             that holds the checkpoint, and `target_start`: the target's length once every earlier
//             checkpoint is in
//   commit    compare the target's length s with target_start: s >= target_start + length, the
//             checkpoint is in already (success); s == target_start, append the range; in between,
//             an earlier attempt was cut short: cut the target back to target_start and append;
//             s < target_start, an earlier checkpoint is missing (refused, nothing is appended)
//
// The append is not synced when it is made: a committed checkpoint stays in the writer state
// (retained(), merged into one range) until the target is fdatasynced after it, so a restart after
// a power cut that lost the append commits it again. The target is synced when a staging file is
// full (it is then removed), and when the sink closes.
//
// close() ends with a checkpoint of its own that no stored state names. Before its commit it
// writes `<target>.closing` holding the target's length (whole or absent: written to a temporary
// name, fsynced, renamed), and removes it once the target is synced. A recovery that finds it
// cuts the target back to that length: a close() that did not return leaves nothing of its own
// checkpoint, never a part of it.
//
// The target must be written by these commits only, and checkpoints commit in increasing order.
// Names `<target>.<k>.staging` and `<target>.closing` belong to the protocol: recovery removes
// them, so no other file in the folder may be named so, and a target may not have such a name
// itself (open refuses it).
#pragma once
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sinkforge/checkpoint/detail/binary.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/transport/detail/posix_file.hpp>

namespace sinkforge::inline v1::file::detail {

// What prepare hands back and commit takes: checkpoints [first, last] of `target`, held in bytes
// [offset, offset + length) of `staging`, to be appended where the target is `target_start` long.
struct file_committable {
  std::string target;
  std::string staging;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::uint64_t target_start = 0;

  friend bool operator==(const file_committable&, const file_committable&) = default;
};

// "SFFC" v1 frame: first u64 | last u64 | offset u64 | length u64 | target_start u64
//                  | target (u32 length + bytes) | staging (likewise) | CRC-32.
inline std::string encode_committable(const file_committable& c) {
  namespace bin = checkpoint::detail;
  std::string out = bin::begin_frame("SFFC", 1);
  for (const std::uint64_t v : {c.first, c.last, c.offset, c.length, c.target_start}) bin::put_le(out, v);
  bin::put_bytes(out, c.target, "file committable target");
  bin::put_bytes(out, c.staging, "file committable staging");
  bin::end_frame(out);
  return out;
}

// Throws checkpoint::format_error naming the field for anything but an intact frame.
inline file_committable decode_committable(std::string_view encoded) {
  checkpoint::detail::reader r(encoded, "file committable");
  r.header("SFFC", 1);
  file_committable c;
  c.first = r.u64("first");
  c.last = r.u64("last");
  c.offset = r.u64("offset");
  c.length = r.u64("length");
  c.target_start = r.u64("target_start");
  c.target = std::string(r.bytes("target"));
  c.staging = std::string(r.bytes("staging"));
  r.finish();
  return c;
}

// A staging file is full, and the next one begins, past this size (the target is synced then).
inline constexpr std::uint64_t default_staging_roll_bytes = std::uint64_t{64} << 20;

// The directory holding `path` ("." for a bare name).
inline std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

inline std::string_view base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string_view(path) : std::string_view(path).substr(slash + 1);
}

inline std::string staging_path(const std::string& target, std::uint64_t k) {
  return target + "." + std::to_string(k) + ".staging";
}

// fsync (or fdatasync) retried on EINTR. Returns 0 or errno.
inline int sync_fd(int fd, bool data_only) {
  while ((data_only ? ::fdatasync(fd) : ::fsync(fd)) != 0)
    if (errno != EINTR) return errno;
  return 0;
}

// Makes a file's creation or removal in the directory of `path` durable. Returns 0 or errno.
inline int fsync_parent_dir(const std::string& path) {
  const int fd = ::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int e = sync_fd(fd, false);
  ::close(fd);
  return e;
}

inline int remove_file(const std::string& path) { return (::unlink(path.c_str()) != 0 && errno != ENOENT) ? errno : 0; }

// The number of a staging file's middle part: decimal digits without a leading zero, at most 20
// of them and no more than 2^64 - 1; nothing else.
inline bool staged_number(std::string_view digits, std::uint64_t& id) {
  if (digits.empty() || digits.size() > 20 || (digits.size() > 1 && digits[0] == '0')) return false;
  id = 0;
  for (const char ch : digits) {
    if (ch < '0' || ch > '9') return false;
    const auto d = static_cast<std::uint64_t>(ch - '0');
    if (id > (~std::uint64_t{0} - d) / 10) return false;
    id = id * 10 + d;
  }
  return true;
}

inline std::string closing_path(const std::string& target) { return target + ".closing"; }

// True when `name` (a file name, no folder) has the form of a staging file of some target.
inline bool staging_file_name(std::string_view name) {
  constexpr std::string_view closing = ".closing";
  if (name.size() > closing.size() && name.substr(name.size() - closing.size()) == closing) return true;
  constexpr std::string_view suffix = ".staging";
  if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix) return false;
  const std::string_view rest = name.substr(0, name.size() - suffix.size());
  const auto dot = rest.rfind('.');
  std::uint64_t k = 0;
  return dot != std::string_view::npos && staged_number(rest.substr(dot + 1), k);
}

// Insertion sort: the lists are a few entries long, and <algorithm> would cost every unit that
// includes a file transport.
inline void sort_ids(std::vector<std::uint64_t>& ids) {
  for (std::size_t i = 1; i < ids.size(); ++i)
    for (std::size_t j = i; j > 0 && ids[j] < ids[j - 1]; --j) std::swap(ids[j], ids[j - 1]);
}

// The numbers k of the staging files `<target>.<k>.staging`, in increasing order. Sets `error`
// (0 or errno) when the folder cannot be listed.
inline std::vector<std::uint64_t> staging_files(const std::string& target, int& error) {
  std::vector<std::uint64_t> out;
  error = 0;
  const std::string_view base = base_name(target);
  DIR* d = ::opendir(parent_dir(target).c_str());
  if (!d) {
    if (errno != ENOENT) error = errno;
    return out;
  }
  constexpr std::string_view suffix = ".staging";
  errno = 0;
  while (const dirent* entry = ::readdir(d)) {
    const std::string_view name = entry->d_name;
    if (name.size() <= base.size() + 1 + suffix.size() || name.substr(0, base.size()) != base ||
        name[base.size()] != '.' || name.substr(name.size() - suffix.size()) != suffix)
      continue;
    std::uint64_t k = 0;
    if (staged_number(name.substr(base.size() + 1, name.size() - base.size() - 1 - suffix.size()), k)) out.push_back(k);
  }
  if (errno != 0) error = errno;
  ::closedir(d);
  sort_ids(out);
  return out;
}

// The close marker: "sinkforge-close 1 <target length>\n", whole or absent. Returns 0 or errno.
inline int write_close_marker(const std::string& target, std::uint64_t length) {
  const std::string marker = closing_path(target), tmp = marker + ".tmp";
  const std::string text = "sinkforge-close 1 " + std::to_string(length) + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  int e = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) ? 0 : (errno ? errno : EIO);
  if (e == 0) e = sync_fd(fd, false);
  ::close(fd);
  if (e == 0 && ::rename(tmp.c_str(), marker.c_str()) != 0) e = errno;
  if (e == 0) e = fsync_parent_dir(marker);
  if (e != 0) remove_file(tmp);
  return e;
}

// 1: a marker (length set); 0: none; -1: something else under its name; -2: unreadable (errno set).
inline int read_close_marker(const std::string& target, std::uint64_t& length) {
  const int fd = ::open(closing_path(target).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : -2;
  char buf[64];
  ssize_t n;
  do n = ::read(fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  const int read_errno = errno;
  ::close(fd);
  if (n < 0) {
    errno = read_errno;
    return -2;
  }
  buf[n] = '\0';
  std::uint64_t value = 0;
  const std::string_view text(buf, static_cast<std::size_t>(n));
  constexpr std::string_view prefix = "sinkforge-close 1 ";
  if (text.size() < prefix.size() + 2 || text.substr(0, prefix.size()) != prefix || text.back() != '\n' ||
      !staged_number(text.substr(prefix.size(), text.size() - prefix.size() - 1), value))
    return -1;
  length = value;
  return 1;
}

// Copies `length` bytes at `offset` of `from` to `to` at `at`. Returns 0, errno, or ENODATA when
// `from` is shorter than the range.
inline int copy_range(int from, std::uint64_t offset, std::uint64_t length, int to, std::uint64_t at) {
  char buf[1 << 16];
  while (length > 0) {
    const std::size_t want = length < sizeof buf ? static_cast<std::size_t>(length) : sizeof buf;
    const ssize_t n = ::pread(from, buf, want, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return ENODATA;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::pwrite(to, buf + done, static_cast<std::size_t>(n - done), static_cast<off_t>(at));
      if (w < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      done += w;
      at += static_cast<std::uint64_t>(w);
    }
    offset += static_cast<std::uint64_t>(n);
    length -= static_cast<std::uint64_t>(n);
  }
  return 0;
}

// Makes checkpoints c visible in the open target `target_fd`, exactly once: idempotent, and safe
// to repeat after a crash anywhere in an earlier attempt. Not synced (see the top of this file).
inline send_result commit_into(int target_fd, const file_committable& c) {
  if (c.length == 0) return send_result::success();
  struct stat st {};
  if (::fstat(target_fd, &st) != 0) return errno_result("stat", c.target, errno);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size >= c.target_start + c.length) return send_result::success();  // in already
  if (size < c.target_start)
    return send_result::fatal("commit of checkpoint " + std::to_string(c.first) + " of '" + c.target + "': the file holds " +
                              std::to_string(size) + " bytes, fewer than the " + std::to_string(c.target_start) +
                              " that the checkpoints before it leave (was it cut, or written by another program?); "
                              "nothing is appended");
  if (size > c.target_start)  // an attempt cut short: its part goes, the whole follows
    while (::ftruncate(target_fd, static_cast<off_t>(c.target_start)) != 0)
      if (errno != EINTR) return errno_result("cut back", c.target, errno);
  const int from = ::open(c.staging.c_str(), O_RDONLY | O_CLOEXEC);
  if (from < 0)
    return send_result::fatal("commit of checkpoint " + std::to_string(c.first) + " of '" + c.target + "': its staging file '" +
                              c.staging + "' cannot be opened (" + std::strerror(errno) + ")");
  const int e = copy_range(from, c.offset, c.length, target_fd, c.target_start);
  ::close(from);
  if (e == 0) return send_result::success();
  // Leave the target as it was; a repeated commit would cut back to here anyway.
  while (::ftruncate(target_fd, static_cast<off_t>(c.target_start)) != 0 && errno == EINTR) {
  }
  if (e == ENODATA)
    return send_result::fatal("commit of checkpoint " + std::to_string(c.first) + " of '" + c.target + "': its staging file '" +
                              c.staging + "' is shorter than the checkpoint");
  return errno_result("append to", c.target, e);
}

inline int open_target(const std::string& target, mode_t mode) {
  return ::open(target.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, mode);
}

inline send_result commit(const file_committable& c, mode_t mode = 0644) {
  const int fd = open_target(c.target, mode);
  if (fd < 0) return errno_result("open", c.target, errno);
  send_result r = commit_into(fd, c);
  ::close(fd);
  return r;
}

// After a restart: commits what a stored writer state names (in increasing order), rolls back a
// close() that did not return, makes the target durable, and removes every staging file of the
// target: what they hold beyond the named checkpoints was never stored as prepared.
inline send_result recover(const std::string& target, std::vector<file_committable> decided, mode_t mode = 0644) {
  for (std::size_t i = 1; i < decided.size(); ++i)
    for (std::size_t j = i; j > 0 && decided[j].first < decided[j - 1].first; --j) std::swap(decided[j], decided[j - 1]);
  int error = 0;
  const std::vector<std::uint64_t> staged = staging_files(target, error);
  if (error) return errno_result("list the folder of", target, error);
  std::uint64_t closing_at = 0;
  const int closing = read_close_marker(target, closing_at);
  if (closing == -2) return errno_result("read", closing_path(target), errno);
  if (closing == -1)
    return send_result::fatal("'" + closing_path(target) + "' is not a close marker this library wrote; the file is left as it is");
  if (!decided.empty() || closing == 1) {
    const int fd = open_target(target, mode);
    if (fd < 0) return errno_result("open", target, errno);
    for (const auto& c : decided) {
      if (send_result r = commit_into(fd, c); !r.ok()) {
        ::close(fd);
        return r;
      }
    }
    struct stat st {};
    if (closing == 1 && ::fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) > closing_at)
      while (::ftruncate(fd, static_cast<off_t>(closing_at)) != 0) {
        if (errno == EINTR) continue;
        const int e = errno;
        ::close(fd);
        return errno_result("cut back", target, e);
      }
    const int e = sync_fd(fd, true);
    ::close(fd);
    if (e) return errno_result("fdatasync", target, e);
  }
  // The marker goes first: once the staging files are gone a marker left alone would cut back.
  if (closing == 1) {
    if (const int e = remove_file(closing_path(target))) return errno_result("remove", closing_path(target), e);
    if (const int e = fsync_parent_dir(target)) return errno_result("fsync the directory of", target, e);
  }
  remove_file(closing_path(target) + ".tmp");
  for (const std::uint64_t k : staged)
    if (const int e = remove_file(staging_path(target, k))) return errno_result("remove", staging_path(target, k), e);
  if (!staged.empty())
    if (const int e = fsync_parent_dir(target)) return errno_result("fsync the directory of", target, e);
  return send_result::success();
}

// The writer's side: the open transaction, the prepared and committed checkpoints' bytes, and the
// target's length as the commits leave it.
class staging_log {
 public:
  explicit staging_log(std::uint64_t roll_bytes = default_staging_roll_bytes) : roll_bytes_(roll_bytes) {}
  staging_log(staging_log&& o) noexcept
      : target_(std::move(o.target_)), mode_(o.mode_), target_fd_(std::exchange(o.target_fd_, -1)),
        file_(std::move(o.file_)), open_offset_(o.open_offset_), next_k_(o.next_k_), next_start_(o.next_start_),
        committed_end_(o.committed_end_), roll_bytes_(o.roll_bytes_), unsynced_(std::move(o.unsynced_)), retired_(std::move(o.retired_)),
        broken_(std::move(o.broken_)), closing_marked_(o.closing_marked_), started_(o.started_) {}
  staging_log& operator=(staging_log&&) = delete;
  ~staging_log() {
    if (target_fd_ >= 0) ::close(target_fd_);
  }
  bool is_open() const noexcept { return started_; }

  // Call after recovery: the target's length is where the first checkpoint goes. The target is
  // created by the first commit, not before. Returns 0, errno, or EINVAL for a target whose own
  // name is a staging file's.
  int open(std::string target, mode_t mode = 0644) {
    if (staging_file_name(base_name(target))) return EINVAL;
    target_ = std::move(target);
    mode_ = mode;
    if (target_fd_ >= 0) ::close(target_fd_);
    target_fd_ = -1;
    struct stat st {};
    if (::stat(target_.c_str(), &st) == 0) next_start_ = static_cast<std::uint64_t>(st.st_size);
    else if (errno == ENOENT) next_start_ = 0;
    else return errno;
    committed_end_ = next_start_;
    started_ = true;
    int error = 0;
    const std::vector<std::uint64_t> left = staging_files(target_, error);
    if (error) return error;
    next_k_ = left.empty() ? 1 : left.back() + 1;
    return 0;
  }

  // The target's length once every prepared checkpoint is committed, and as the commits so far leave it.
  std::uint64_t target_end() const noexcept { return next_start_; }
  std::uint64_t committed_end() const noexcept { return committed_end_; }

  // One batch into the open transaction, whole or not at all.
  send_result append(std::string_view bytes) {
    if (SINKFORGE_UNLIKELY(!broken_.empty())) return send_result::fatal(broken_);
    if (SINKFORGE_UNLIKELY(!file_.is_open()))
      if (send_result r = start_staging_file(); !r.ok()) return r;
    return file_.append(bytes, sync::never);
  }

  // Makes the open transaction durable as checkpoint `checkpoint` (invisible until committed). A
  // failed fdatasync breaks the log for good (after an I/O error the kernel may have dropped the
  // unwritten pages, and a second fdatasync would succeed without them): the caller aborts and
  // writes the records again.
  send_result prepare(std::uint64_t checkpoint, file_committable& out) {
    if (SINKFORGE_UNLIKELY(!broken_.empty())) return send_result::fatal(broken_);
    const std::uint64_t length = file_.is_open() ? file_.size() - open_offset_ : 0;
    out = file_committable{target_, file_.is_open() ? file_.path() : std::string(), checkpoint, checkpoint,
                           open_offset_, length, next_start_};
    if (length == 0) return send_result::success();
    if (const int e = file_.datasync()) {
      broken_ = "fdatasync '" + file_.path() + "' failed (" + std::strerror(e) +
                "); the open transaction's batches must be written again";
      return send_result::fatal(broken_);
    }
    next_start_ += length;
    open_offset_ = file_.size();
    if (open_offset_ >= roll_bytes_) retire_staging_file();
    return send_result::success();
  }

  // Phase 2 for checkpoints prepared by this log, in order.
  send_result commit(const file_committable& c) {
    if (c.length == 0) return send_result::success();
    if (target_fd_ < 0 && (target_fd_ = open_target(target_, mode_)) < 0) return errno_result("open", target_, errno);
    if (send_result r = commit_into(target_fd_, c); !r.ok()) return r;
    committed_end_ = c.target_start + c.length;
    if (unsynced_ && unsynced_->staging == c.staging && unsynced_->offset + unsynced_->length == c.offset &&
        unsynced_->target_start + unsynced_->length == c.target_start) {
      unsynced_->last = c.last;
      unsynced_->length += c.length;
    } else {
      if (unsynced_)  // a range of another staging file: it is complete, make it durable first
        if (send_result r = sync_target(); !r.ok()) return r;
      unsynced_ = c;
    }
    // The last checkpoint of a full staging file is in: the target is synced and the file goes.
    if (!retired_.empty() && c.staging == retired_.front().path && c.offset + c.length == retired_.front().size) {
      if (send_result r = sync_target(); !r.ok()) return r;
      remove_file(retired_.front().path);
      retired_.erase(retired_.begin());
    }
    return send_result::success();
  }

  // Committed checkpoints whose bytes are not yet durable in the target: a restart commits them
  // again, so they stay in the writer state.
  std::vector<file_committable> retained() const {
    if (unsynced_) return {*unsynced_};
    return {};
  }

  // Drops the open transaction's bytes; prepared ones stay for recovery.
  void abort_open() noexcept {
    if (file_.is_open() && file_.size() > open_offset_) {
      while (::ftruncate(file_fd(), static_cast<off_t>(open_offset_)) != 0 && errno == EINTR) {
      }
    }
    file_.close();
    open_offset_ = 0;
  }

  // close()'s own checkpoint, prepared and about to commit: record where it begins, so that a
  // recovery after a crash takes it back whole (see the top of this file).
  send_result mark_closing(const file_committable& final_checkpoint) {
    if (final_checkpoint.length == 0) return send_result::success();
    if (const int e = write_close_marker(target_, final_checkpoint.target_start))
      return errno_result("write the close marker", closing_path(target_), e);
    closing_marked_ = true;
    return send_result::success();
  }

  // After the last commit: the target is made durable and the staging files go.
  send_result finish() {
    if (send_result r = sync_target(); !r.ok()) return r;
    if (closing_marked_) {  // before the staging files: see recover()
      if (const int e = remove_file(closing_path(target_))) return errno_result("remove", closing_path(target_), e);
      if (const int e = fsync_parent_dir(target_)) return errno_result("fsync the directory of", target_, e);
      closing_marked_ = false;
    }
    file_.close();
    int error = 0;
    for (const std::uint64_t k : staging_files(target_, error)) remove_file(staging_path(target_, k));
    retired_.clear();
    if (const int e = fsync_parent_dir(target_)) return errno_result("fsync the directory of", target_, e);
    return send_result::success();
  }

  const std::string& target() const noexcept { return target_; }

 private:
  struct retired_file {
    std::string path;
    std::uint64_t size;
  };

  int file_fd() const noexcept { return file_.fd(); }

  send_result start_staging_file() {
    const std::string path = staging_path(target_, next_k_++);
    if (const int e = file_.open(path, {}, mode_, true)) return errno_result("create", path, e);
    // Its name must be durable before a stored state can name it.
    if (const int e = fsync_parent_dir(path)) {
      file_.close();
      remove_file(path);
      return errno_result("fsync the directory of", path, e);
    }
    open_offset_ = 0;
    return send_result::success();
  }

  void retire_staging_file() {
    retired_.push_back({file_.path(), file_.size()});
    file_.close();
    open_offset_ = 0;
  }

  send_result sync_target() {
    if (target_fd_ < 0) return send_result::success();  // nothing committed through this log
    if (const int e = sync_fd(target_fd_, true)) return errno_result("fdatasync", target_, e);
    unsynced_.reset();
    return send_result::success();
  }

  std::string target_;
  mode_t mode_ = 0644;
  int target_fd_ = -1;
  append_file file_;                 // the staging file the open transaction goes to
  std::uint64_t open_offset_ = 0;    // where the open transaction begins in it
  std::uint64_t next_k_ = 1;
  std::uint64_t next_start_ = 0;     // the target's length once every prepared checkpoint is in
  std::uint64_t committed_end_ = 0;
  std::uint64_t roll_bytes_;
  std::optional<file_committable> unsynced_;
  std::vector<retired_file> retired_;
  std::string broken_;
  bool closing_marked_ = false;
  bool started_ = false;
};

}  // namespace sinkforge::inline v1::file::detail
