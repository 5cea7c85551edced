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
// written by these commits only. Checkpoints commit in increasing order. The names `<target>.inprogress`,
// `<target>.<n>.pending`, `<target>.<n>.committing` and `<target>.<n>.committing.tmp` belong to the
// protocol: recovery removes them, so no other file in the folder may be named so, and a target
// may not have such a name itself (staged_file::open refuses it).
#pragma once
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

// fsync (or fdatasync) retried on EINTR. Returns 0 or errno.
inline int sync_fd(int fd, bool data_only) {
  while ((data_only ? ::fdatasync(fd) : ::fsync(fd)) != 0)
    if (errno != EINTR) return errno;
  return 0;
}

// Makes a rename or an unlink in the directory of `path` durable. Returns 0 or errno.
inline int fsync_parent_dir(const std::string& path) {
  const int fd = ::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int e = sync_fd(fd, false);
  ::close(fd);
  return e;
}

// 1 when `path` exists, 0 when it does not, or minus the errno that kept stat from telling.
inline int path_state(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return 1;
  return errno == ENOENT ? 0 : -errno;
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
  if (e == 0) e = sync_fd(fd, false);
  ::close(fd);
  if (e == 0 && ::rename(tmp.c_str(), marker.c_str()) != 0) e = errno;
  if (e == 0) e = fsync_parent_dir(marker);
  if (e != 0) remove_file(tmp);
  return e;
}

// 1: a valid marker (length set); 0: none; -1: present but not a marker this library wrote;
// -2: it could not be read (errno is set).
inline int read_marker(const std::string& marker, std::uint64_t& length) {
  const int fd = ::open(marker.c_str(), O_RDONLY | O_CLOEXEC);
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
  if (n == 0) return -1;
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

// The last step of a commit whose bytes are in: the marker goes, durably.
inline send_result finish_cleanup(const std::string& marker) {
  if (const int e = remove_file(marker)) return errno_result("remove", marker, e);
  if (const int e = fsync_parent_dir(marker)) return errno_result("fsync the directory of", marker, e);
  return send_result::success();
}

// Makes checkpoint c visible in its target, exactly once: idempotent, and safe to repeat after a
// crash at any point of an earlier attempt.
inline send_result commit(const file_committable& c) {
  const std::string pending = c.pending_path(), marker = c.marker_path();
  std::uint64_t length = 0;
  const int marked = read_marker(marker, length);
  if (marked == -2) return errno_result("read", marker, errno);
  if (marked < 0) return send_result::fatal("commit of checkpoint " + std::to_string(c.checkpoint) + ": '" + marker +
                                            "' is not a commit marker; the target is left as it is");
  const int pending_state = path_state(pending);
  if (pending_state < 0) return errno_result("stat", pending, -pending_state);
  if (pending_state == 0) {
    // Committed before: the pending file goes only after its bytes are in the target and durable.
    // (A checkpoint never prepared here looks the same: callers commit only what prepare returned.)
    if (marked == 0) return send_result::success();
    return finish_cleanup(marker);
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
  if (const int e = sync_fd(fd, true)) return fail("fdatasync", c.target, e);
  ::close(fd);
  if (const int e = fsync_parent_dir(c.target)) return errno_result("fsync the directory of", c.target, e);
  if (const int e = remove_file(pending)) return errno_result("remove", pending, e);
  if (const int e = fsync_parent_dir(pending)) return errno_result("fsync the directory of", pending, e);
  return finish_cleanup(marker);
}

// Drops checkpoint c's bytes. Idempotent; refused once its commit has begun. A marker without a
// pending file is a commit that only lacked its cleanup: the cleanup is finished.
inline send_result abort(const file_committable& c) {
  std::uint64_t length = 0;
  const int marked = read_marker(c.marker_path(), length);
  if (marked == -2) return errno_result("read", c.marker_path(), errno);
  if (marked != 0) {
    const int pending_state = path_state(c.pending_path());
    if (pending_state < 0) return errno_result("stat", c.pending_path(), -pending_state);
    if (pending_state == 0 && marked == 1) return finish_cleanup(c.marker_path());
    return send_result::fatal("abort of checkpoint " + std::to_string(c.checkpoint) + " of '" + c.target +
                              "': its commit has begun; commit it again instead");
  }
  if (const int e = remove_file(c.pending_path())) return errno_result("remove", c.pending_path(), e);
  return send_result::success();
}

// rename(2) that fails with EEXIST instead of replacing `to`. Returns 0 or errno.
inline int rename_no_replace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  // A file system without RENAME_NOREPLACE: link (which never replaces), then unlink.
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  return ::unlink(from.c_str()) == 0 ? 0 : errno;
}

// The checkpoint number of a staging-file name's middle part: decimal digits without a leading
// zero, at most 20 of them and no more than 2^64 - 1; nothing else.
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

// True when `name` (a file name, no folder) has the form of a staging file of some target.
inline bool staging_file_name(std::string_view name) {
  static constexpr std::string_view numbered[] = {".pending", ".committing", ".committing.tmp"};
  if (name.size() > 11 && name.substr(name.size() - 11) == ".inprogress") return true;
  for (const std::string_view kind : numbered) {
    if (name.size() <= kind.size() || name.substr(name.size() - kind.size()) != kind) continue;
    const std::string_view rest = name.substr(0, name.size() - kind.size());
    const auto dot = rest.rfind('.');
    std::uint64_t id = 0;
    if (dot != std::string_view::npos && staged_number(rest.substr(dot + 1), id)) return true;
  }
  return false;
}

inline std::string_view base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string_view(path) : std::string_view(path).substr(slash + 1);
}

// Insertion sort and deduplication: the lists are a few checkpoints long, and <algorithm> would
// cost every unit that includes a file transport.
inline void sort_unique(std::vector<std::uint64_t>& ids) {
  for (std::size_t i = 1; i < ids.size(); ++i)
    for (std::size_t j = i; j > 0 && ids[j] < ids[j - 1]; --j) std::swap(ids[j], ids[j - 1]);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (kept == 0 || ids[i] != ids[kept - 1]) ids[kept++] = ids[i];
  ids.resize(kept);
}

// The checkpoints of `target` found prepared (pending) or being committed, in increasing order.
// Sets `error` (0 or errno) when the folder cannot be listed.
inline std::vector<std::uint64_t> staged_checkpoints(const std::string& target, int& error) {
  std::vector<std::uint64_t> out;
  error = 0;
  const std::string_view base = base_name(target);
  DIR* d = ::opendir(parent_dir(target).c_str());
  if (!d) {
    if (errno != ENOENT) error = errno;
    return out;
  }
  errno = 0;
  while (const dirent* entry = ::readdir(d)) {
    const std::string_view name = entry->d_name;
    if (name.size() <= base.size() + 1 || name.substr(0, base.size()) != base || name[base.size()] != '.') continue;
    const std::string_view rest = name.substr(base.size() + 1);
    const auto dot = rest.find('.');
    if (dot == std::string_view::npos) continue;
    const std::string_view kind = rest.substr(dot);
    // A marker's temporary file outlives a crash between its write and its rename.
    if (kind != ".pending" && kind != ".committing" && kind != ".committing.tmp") continue;
    std::uint64_t id = 0;
    if (staged_number(rest.substr(0, dot), id)) out.push_back(id);
  }
  if (errno != 0) error = errno;
  ::closedir(d);
  sort_unique(out);
  return out;
}

inline std::vector<std::uint64_t> staged_checkpoints(const std::string& target) {
  int error = 0;
  return staged_checkpoints(target, error);
}

// After a restart: commits the checkpoints a stored writer state names (in increasing order) and
// every staged checkpoint whose commit had begun (its marker is the durable decision to commit: a
// commit is only begun for a checkpoint that was decided), aborts every other staged checkpoint of
// the target, and removes an orphaned in-progress file.
inline send_result recover(const std::string& target, const std::vector<file_committable>& decided) {
  std::vector<std::uint64_t> to_commit;
  for (const auto& c : decided) to_commit.push_back(c.checkpoint);
  int error = 0;
  const std::vector<std::uint64_t> staged = staged_checkpoints(target, error);
  if (error) return errno_result("list the folder of", target, error);
  for (const std::uint64_t id : staged) {
    const file_committable c{target, id};
    std::uint64_t length = 0;
    const int marked = read_marker(c.marker_path(), length);
    if (marked == -2) return errno_result("read", c.marker_path(), errno);
    if (marked == 1) to_commit.push_back(id);
  }
  sort_unique(to_commit);
  for (const std::uint64_t id : to_commit)
    if (send_result r = commit(file_committable{target, id}); !r.ok()) return r;
  for (const std::uint64_t id : staged) {
    const file_committable c{target, id};
    if (const int e = remove_file(c.marker_path() + ".tmp")) return errno_result("remove", c.marker_path() + ".tmp", e);
    bool committed = false;
    for (const std::uint64_t done : to_commit) committed = committed || done == id;
    if (committed) continue;
    if (send_result r = abort(c); !r.ok()) return r;
  }
  if (const int e = remove_file(in_progress_path(target))) return errno_result("remove", in_progress_path(target), e);
  if (const int e = fsync_parent_dir(target)) return errno_result("fsync the directory of", target, e);
  return send_result::success();
}

// The open transaction: batches appended to `<target>.inprogress` until prepare.
class staged_file {
 public:
  // Starts a fresh in-progress file (an orphan from a crash is dropped: it was never prepared).
  // Returns 0, errno, or EINVAL for a target whose own name is a staging file's.
  int open(std::string target, mode_t mode = 0644) {
    if (staging_file_name(base_name(target))) return EINVAL;
    target_ = std::move(target);
    mode_ = mode;
    broken_.clear();
    if (const int e = remove_file(in_progress_path(target_))) return e;
    return file_.open(in_progress_path(target_), {}, mode_);
  }
  // One batch into the open transaction, whole or not at all.
  send_result append(std::string_view bytes) {
    if (SINKFORGE_UNLIKELY(!broken_.empty())) return send_result::fatal(broken_);
    return file_.append(bytes, sync::never);
  }

  // Makes everything appended since the last prepare durable and invisible, as checkpoint
  // `checkpoint`; a new in-progress file takes the batches that follow. A failed fdatasync breaks
  // the open transaction for good (after an I/O error the kernel may have dropped the unwritten
  // pages, and a second fdatasync would succeed without them): the caller aborts it and replays
  // its records. Other failures keep it, and prepare may be called again.
  send_result prepare(std::uint64_t checkpoint, file_committable& out) {
    if (SINKFORGE_UNLIKELY(!broken_.empty())) return send_result::fatal(broken_);
    const file_committable c{target_, checkpoint};
    if (const int e = file_.datasync()) {
      broken_ = "fdatasync '" + file_.path() + "' failed (" + std::strerror(e) +
                "); the open transaction's batches must be written again";
      return send_result::fatal(broken_);
    }
    // Never over an existing pending file: that would drop a prepared checkpoint.
    if (const int e = rename_no_replace(file_.path(), c.pending_path())) return errno_result("rename", file_.path(), e);
    if (const int e = fsync_parent_dir(target_)) {
      // Not known to be durable: the batches go back to the open transaction.
      ::rename(c.pending_path().c_str(), file_.path().c_str());
      return errno_result("fsync the directory of", target_, e);
    }
    out = c;  // prepared, whatever follows
    if (const int e = file_.open(in_progress_path(target_), {}, mode_))
      broken_ = "open '" + in_progress_path(target_) + "' failed (" + std::strerror(e) + ")";
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
  std::string broken_;  // why the open transaction can take no more, when it cannot
};

}  // namespace sinkforge::inline v1::file::detail
