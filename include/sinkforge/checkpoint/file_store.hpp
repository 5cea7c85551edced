// file_store: the latest checkpoint of a driver in one file, replaced atomically.
//
// save() writes the new checkpoint to `<path>.tmp`, fsyncs it, rename(2)s it over `<path>` and
// fsyncs the directory. rename replaces the name in one step, so a crash at any moment leaves
// either the previous checkpoint or the new one under `<path>`, never a mix; the fsync before it
// puts the new bytes on the disk before the name can point at them, and the directory fsync makes
// the rename itself survive a power loss. A `<path>.tmp` left by a crash is never read, and the
// next save() replaces it.
//
// load() returns nullopt only when `<path>` does not exist. A file that is there but damaged
// (truncated, wrong magic, checksum mismatch) throws format_error: the driver must not quietly start
// again from the beginning of its input.
//
// One file_store writes a given path at a time; the checkpoint id only moves forward (a lower id is
// refused with stale_checkpoint_error; the same id again replaces the stored one).
#pragma once
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include <sinkforge/checkpoint/error.hpp>
#include <sinkforge/checkpoint/stored_checkpoint.hpp>
#include <sinkforge/error.hpp>

namespace sinkforge::inline v1::checkpoint {

class file_store {
 public:
  explicit file_store(std::filesystem::path path) : path_(std::move(path)) {
    if (path_.empty()) throw config_error("checkpoint::file_store.path", "must not be empty");
    if (!path_.has_filename())
      throw config_error("checkpoint::file_store.path", "must name a file, not a directory");
    file_ = path_.string();
    tmp_ = file_ + ".tmp";
    dir_ = path_.has_parent_path() ? path_.parent_path().string() : std::string(".");
    name_ = detail::concat({"checkpoint file '", file_, "'"});
  }

  const std::filesystem::path& path() const noexcept { return path_; }

  // Throws stale_checkpoint_error for an id below the stored one, format_error when the stored file
  // (read once, on the first save) is damaged, std::system_error naming the path and the step when
  // the file system refuses; before the rename, a failure leaves the previous checkpoint as it was.
  // A failure after the rename (fsync of the directory) leaves it unknown which checkpoint a
  // restart will load: the caller must then restart and recover from what load() returns, never
  // abort the transactions this checkpoint names.
  void save(const stored_checkpoint& c) {
    if (!stored_known_) {
      const std::optional<stored_checkpoint> current = load();
      if (current) stored_id_ = current->id;
      stored_known_ = true;
    }
    if (stored_id_ && c.id < *stored_id_) throw stale_checkpoint_error(name_, *stored_id_, c.id);
    const std::string bytes = detail::encode_checkpoint_file(c);
    {
      fd tmp(::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (tmp.value < 0) fail("open", tmp_);
      if (const int e = write_all(tmp.value, bytes)) fail_removing_tmp(e, "write");
      if (const int e = sync_fd(tmp.value)) fail_removing_tmp(e, "fsync");
      if (const int e = tmp.close()) fail_removing_tmp(e, "close");
    }
    if (::rename(tmp_.c_str(), file_.c_str()) != 0) {
      const int e = errno;
      ::unlink(tmp_.c_str());
      throw error(e, detail::concat({"rename '", tmp_, "' over '", file_, "'"}));
    }
    stored_id_ = c.id;
    fd dir(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.value < 0) fail("open the directory", dir_);
    if (const int e = sync_fd(dir.value)) throw error(e, detail::concat({"fsync the directory '", dir_, "'"}));
  }

  std::optional<stored_checkpoint> load() const {
    fd f(::open(file_.c_str(), O_RDONLY | O_CLOEXEC));
    if (f.value < 0) {
      if (errno == ENOENT) return std::nullopt;
      fail("open", file_);
    }
    std::string bytes;
    char buf[1 << 16];
    for (;;) {
      const ssize_t n = ::read(f.value, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("read", file_);
      }
      if (n == 0) break;
      bytes.append(buf, static_cast<std::size_t>(n));
    }
    return detail::decode_checkpoint_file(bytes, name_);
  }

 private:
  struct fd {
    explicit fd(int v) noexcept : value(v) {}
    fd(const fd&) = delete;
    fd& operator=(const fd&) = delete;
    ~fd() { close(); }
    // 0 or errno. Linux releases the descriptor even when close reports EINTR: never retried.
    int close() noexcept {
      const int v = std::exchange(value, -1);
      if (v >= 0 && ::close(v) != 0 && errno != EINTR) return errno;
      return 0;
    }
    int value;
  };

  static int write_all(int f, std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(f, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
  }

  static int sync_fd(int f) {
    while (::fsync(f) != 0)
      if (errno != EINTR) return errno;
    return 0;
  }

  // what() reads "sinkforge: checkpoint file '<path>': <step>: <strerror>".
  std::system_error error(int e, std::string_view step) const {
    return std::system_error(e, std::generic_category(), detail::concat({"sinkforge: ", name_, ": ", step}));
  }
  [[noreturn]] void fail(std::string_view step, std::string_view target) const {
    const int e = errno;
    throw error(e, detail::concat({step, " '", target, "'"}));
  }
  [[noreturn]] void fail_removing_tmp(int e, std::string_view step) const {
    ::unlink(tmp_.c_str());
    throw error(e, detail::concat({step, " '", tmp_, "'"}));
  }

  std::filesystem::path path_;
  std::string file_, tmp_, dir_, name_;
  bool stored_known_ = false;             // stored_id_ reflects the file (read on the first save)
  std::optional<std::uint64_t> stored_id_;
};

}  // namespace sinkforge::inline v1::checkpoint
