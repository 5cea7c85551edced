// Two-phase commit of the bytes of one checkpoint into an append-only target file: durable but
// invisible after prepare, visible exactly once after commit, however often commit is repeated and
// wherever a crash interrupts it.
//
//   open      the checkpoint's batches go to `<target>.inprogress` (whole or not at all)
//   prepare   fdatasync it, rename it to `<target>.<checkpoint>.pending`, fsync the directory
//   commit    record the target's length in `<target>.<checkpoint>.committing` (written to a
//             temporary name, fsynced and renamed, so it is whole or absent), append the pending
//             bytes to the target, fdatasync the target, remove the pending file, then the marker
//   abort     remove the pending file (refused once a commit has begun: that checkpoint is decided)
//
// A repeated commit reads the state the files are in: no pending file means the checkpoint is
// already visible (success); a marker means an earlier attempt may have appended part of the bytes,
// so the target is cut back to the recorded length and the bytes appended again. The target must be
// written by these commits only. Checkpoints commit in increasing order.
#pragma once
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sinkforge/error.hpp>
#include <sinkforge/transport/detail/posix_file.hpp>

namespace sinkforge::inline v1::file::detail {

// What prepare hands back and commit or abort takes: the target and the checkpoint. Everything
// else follows from these two, so a committable stored in a writer state stays small and valid
// after a restart.
struct file_committable {
  std::string target;
  std::uint64_t checkpoint = 0;

  std::string pending_path() const { return target + "." + std::to_string(checkpoint) + ".pending"; }
  std::string marker_path() const { return target + "." + std::to_string(checkpoint) + ".committing"; }
  friend bool operator==(const file_committable&, const file_committable&) = default;
};

inline std::string in_progress_path(const std::string& target) { return target + ".inprogress"; }

// The directory holding `path` ("." for a bare name).
inline std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Makes a rename or an unlink in the directory of `path` durable. Returns 0 or errno.
inline int fsync_parent_dir(const std::string& path) {
  const int fd = ::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int e = 0;
  while (::fsync(fd) != 0) {
    if (errno == EINTR) continue;
    e = errno;
    break;
  }
  ::close(fd);
  return e;
}

inline bool path_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

inline int remove_file(const std::string& path) { return (::unlink(path.c_str()) != 0 && errno != ENOENT) ? errno : 0; }

// The commit marker: "sinkforge-commit 1 <target length>\n", whole or absent.
inline int write_marker(const std::string& marker, std::uint64_t length) {
  const std::string tmp = marker + ".tmp";
  const std::string text = "sinkforge-commit 1 " + std::to_string(length) + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  std::size_t done = 0;
  int e = 0;
  while (done < text.size() && e == 0) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno != EINTR) e = errno;
    } else {
      done += static_cast<std::size_t>(n);
    }
  }
  if (e == 0 && ::fsync(fd) != 0) e = errno;
  ::close(fd);
  if (e == 0 && ::rename(tmp.c_str(), marker.c_str()) != 0) e = errno;
  if (e == 0) e = fsync_parent_dir(marker);
  if (e != 0) remove_file(tmp);
  return e;
}

// 1: a valid marker (length set); 0: none; -1: present but not a marker this library wrote.
inline int read_marker(const std::string& marker, std::uint64_t& length) {
  const int fd = ::open(marker.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  char buf[64];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  unsigned long long value = 0;
  char end = 0;
  if (std::sscanf(buf, "sinkforge-commit 1 %llu%c", &value, &end) != 2 || end != '\n') return -1;
  length = value;
  return 1;
}

// Appends the whole file `from` to the open descriptor `to`. Returns 0 or errno.
inline int append_contents(int to, const std::string& from) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return errno;
  char buf[1 << 16];
  int e = 0;
  for (;;) {
    const ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      e = errno;
      break;
    }
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(to, buf + done, static_cast<std::size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        e = errno;
        break;
      }
      done += w;
    }
    if (e) break;
  }
  ::close(in);
  return e;
}

// Makes checkpoint c visible in its target, exactly once: idempotent, and safe to repeat after a
// crash at any point of an earlier attempt.
inline send_result commit(const file_committable& c) {
  const std::string pending = c.pending_path(), marker = c.marker_path();
  std::uint64_t length = 0;
  const int marked = read_marker(marker, length);
  if (marked < 0) return send_result::fatal("commit of checkpoint " + std::to_string(c.checkpoint) + ": '" + marker +
                                            "' is not a commit marker; the target is left as it is");
  if (!path_exists(pending)) {
    if (marked == 0) return send_result::success();  // committed before (or never prepared here)
    // The bytes were appended and made durable before the pending file went: finish the cleanup.
    if (const int e = remove_file(marker)) return errno_result("remove", marker, e);
    if (const int e = fsync_parent_dir(marker)) return errno_result("fsync the directory of", marker, e);
    return send_result::success();
  }
  const int fd = ::open(c.target.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_result("open", c.target, errno);
  const auto fail = [&](const char* what, const std::string& path, int e) {
    ::close(fd);
    return errno_result(what, path, e);
  };
  if (marked == 0) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail("stat", c.target, errno);
    length = static_cast<std::uint64_t>(st.st_size);
    if (const int e = write_marker(marker, length)) return fail("write the commit marker", marker, e);
  }
  // A repeated attempt may find part of the bytes appended: cut back to where this checkpoint begins.
  while (::ftruncate(fd, static_cast<off_t>(length)) != 0)
    if (errno != EINTR) return fail("cut back", c.target, errno);
  if (::lseek(fd, static_cast<off_t>(length), SEEK_SET) < 0) return fail("seek", c.target, errno);
  if (const int e = append_contents(fd, pending)) return fail("append the pending bytes to", c.target, e);
  if (::fdatasync(fd) != 0) return fail("fdatasync", c.target, errno);
  ::close(fd);
  if (const int e = fsync_parent_dir(c.target)) return errno_result("fsync the directory of", c.target, e);
  if (const int e = remove_file(pending)) return errno_result("remove", pending, e);
  if (const int e = fsync_parent_dir(pending)) return errno_result("fsync the directory of", pending, e);
  if (const int e = remove_file(marker)) return errno_result("remove", marker, e);
  return send_result::success();
}

// Drops checkpoint c's bytes. Idempotent; refused once its commit has begun.
inline send_result abort(const file_committable& c) {
  std::uint64_t length = 0;
  if (read_marker(c.marker_path(), length) != 0)
    return send_result::fatal("abort of checkpoint " + std::to_string(c.checkpoint) + " of '" + c.target +
                              "': its commit has begun; commit it again instead");
  if (const int e = remove_file(c.pending_path())) return errno_result("remove", c.pending_path(), e);
  return send_result::success();
}

// The checkpoints of `target` found prepared (pending) or being committed, in increasing order.
inline std::vector<std::uint64_t> staged_checkpoints(const std::string& target) {
  std::vector<std::uint64_t> out;
  const std::string dir = parent_dir(target);
  const auto slash = target.rfind('/');
  const std::string base = slash == std::string::npos ? target : target.substr(slash + 1);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (const dirent* entry = ::readdir(d)) {
    const std::string_view name = entry->d_name;
    if (name.size() <= base.size() + 1 || name.substr(0, base.size()) != base || name[base.size()] != '.') continue;
    std::string_view rest = name.substr(base.size() + 1);
    const auto dot = rest.find('.');
    if (dot == 0 || dot == std::string_view::npos) continue;
    const std::string_view kind = rest.substr(dot);
    // A marker's temporary file outlives a crash between its write and its rename.
    if (kind != ".pending" && kind != ".committing" && kind != ".committing.tmp") continue;
    std::uint64_t id = 0;
    bool digits = true;
    for (const char ch : rest.substr(0, dot)) {
      if (ch < '0' || ch > '9') digits = false;
      else id = id * 10 + static_cast<std::uint64_t>(ch - '0');
    }
    if (digits) out.push_back(id);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// After a restart: commits the checkpoints a stored writer state names (in increasing order),
// aborts every other staged checkpoint of the target, and removes an orphaned in-progress file.
inline send_result recover(const std::string& target, std::vector<file_committable> to_commit) {
  std::sort(to_commit.begin(), to_commit.end(),
            [](const file_committable& a, const file_committable& b) { return a.checkpoint < b.checkpoint; });
  for (const auto& c : to_commit)
    if (send_result r = commit(c); !r.ok()) return r;
  for (const std::uint64_t id : staged_checkpoints(target)) {
    const file_committable staged{target, id};
    if (const int e = remove_file(staged.marker_path() + ".tmp")) return errno_result("remove", staged.marker_path() + ".tmp", e);
    const bool decided = std::any_of(to_commit.begin(), to_commit.end(),
                                     [&](const file_committable& c) { return c.checkpoint == id; });
    if (decided) continue;
    if (send_result r = abort(staged); !r.ok()) return r;
  }
  if (const int e = remove_file(in_progress_path(target))) return errno_result("remove", in_progress_path(target), e);
  if (const int e = fsync_parent_dir(target)) return errno_result("fsync the directory of", target, e);
  return send_result::success();
}

// The open transaction: batches appended to `<target>.inprogress` until prepare.
class staged_file {
 public:
  // Starts a fresh in-progress file (an orphan from a crash is dropped: it was never prepared).
  int open(std::string target, mode_t mode = 0644) {
    target_ = std::move(target);
    mode_ = mode;
    if (const int e = remove_file(in_progress_path(target_))) return e;
    return file_.open(in_progress_path(target_), {}, mode_);
  }
  // One batch into the open transaction, whole or not at all.
  send_result append(std::string_view bytes) { return file_.append(bytes, sync::never); }

  // Makes everything appended since the last prepare durable and invisible, as checkpoint
  // `checkpoint`; a new in-progress file takes the batches that follow. On failure the open
  // transaction is kept (nothing is lost) and prepare may be called again.
  send_result prepare(std::uint64_t checkpoint, file_committable& out) {
    const file_committable c{target_, checkpoint};
    if (const int e = file_.datasync()) return errno_result("fdatasync", file_.path(), e);
    if (::rename(file_.path().c_str(), c.pending_path().c_str()) != 0)
      return errno_result("rename", file_.path(), errno);
    if (const int e = fsync_parent_dir(target_)) {
      // Not known to be durable: the batches go back to the open transaction.
      ::rename(c.pending_path().c_str(), file_.path().c_str());
      return errno_result("fsync the directory of", target_, e);
    }
    out = c;
    if (const int e = file_.open(in_progress_path(target_), {}, mode_))
      return errno_result("open", in_progress_path(target_), e);
    return send_result::success();
  }
  // Drops the open transaction's batches (a sink destroyed without a checkpoint).
  void abort_open() {
    file_.close();
    remove_file(in_progress_path(target_));
  }
  const std::string& target() const noexcept { return target_; }

 private:
  std::string target_;
  mode_t mode_ = 0644;
  append_file file_;
};

}  // namespace sinkforge::inline v1::file::detail
