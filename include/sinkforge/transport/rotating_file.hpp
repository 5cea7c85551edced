// file::rotating: one current file per partition key in `directory`, replaced by a new file when
// it would pass `max_bytes`, holds `max_records`, or is older than `max_age` (by the sink's clock).
// File names come from `name`, where
//   {key}  the partition key (characters other than [A-Za-z0-9._-] become '_'; "all" when none)
//   {time} the UTC time the file was opened, 20261123T091845Z
//   {date} the UTC date the file was opened, 2026-11-23
//   {seq}  a per-key counter, 000000, 000001, ... (skips names that already exist)
// A file is created with O_EXCL, so an existing file is never appended to or overwritten.
// A batch is never split across files, and lands whole or not at all (see file::append). CSV's
// header row starts every file. On opening, files in `directory` whose names the template renders
// and whose last record is incomplete (a writer killed mid-write) have that torn tail cut, and
// each cut is reported through on_error.
//
// Under deliver::exactly_once files roll at checkpoint boundaries only: a checkpoint's records of
// one key go to one file, named when its first batch arrives; the file is replaced after the
// checkpoint that takes it to max_bytes or max_records, or past max_age, so a file may exceed
// max_bytes by one checkpoint. Each file is written like file::append's target
// (detail/file_transaction.hpp), and a file appears with its first committed checkpoint.
// max_open_files does not apply.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>
#include <list>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <dirent.h>

#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/partition/key.hpp>
#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/transport/concept.hpp>
#include <sinkforge/checkpoint/detail/binary.hpp>
#include <sinkforge/transport/detail/file_transaction.hpp>
#include <sinkforge/transport/detail/posix_file.hpp>

namespace sinkforge::inline v1::file {

struct rotating {
  using policy_family = family::transport;
  static constexpr transport_capabilities capabilities{.transactions = true, .loading = loading_model::append};

  template <class P>
  static constexpr bool accepts_payload = std::is_same_v<P, byte_records>;

  std::string directory{};
  std::string name = "{key}-{time}-{seq}.ndjson";
  std::uint64_t max_bytes = 64ull << 20;
  std::uint64_t max_records = 0;  // 0: no limit
  std::chrono::nanoseconds max_age = std::chrono::hours{1};
  std::size_t max_open_files = 64;  // least recently written files are closed beyond this
  file::sync sync = file::sync::never;
  unsigned mode = 0644;

  void validate() const {
    if (directory.empty()) throw config_error("file::rotating.directory", "must not be empty");
    if (name.find("{seq}") == std::string::npos)
      throw config_error("file::rotating.name", "must contain {seq} so each new file gets a new name");
    if (max_bytes == 0) throw config_error("file::rotating.max_bytes", "must be at least 1");
    if (max_age <= std::chrono::nanoseconds::zero()) throw config_error("file::rotating.max_age", "must be positive");
    if (max_open_files == 0) throw config_error("file::rotating.max_open_files", "must be at least 1");
  }

  class connection;
  template <class T, class P>
  connection open(const transport_context& cx) const;

  // Exactly-once: a checkpoint's part in each file it wrote to.
  using committable = std::vector<detail::file_committable>;
  // "SFRC" v1 frame: the encoded file committables (u32 count, each u32 length + bytes) | CRC-32.
  static std::string encode_committable(const committable& c) {
    std::vector<std::string> parts;
    for (const auto& part : c) parts.push_back(detail::encode_committable(part));
    std::string out = checkpoint::detail::begin_frame("SFRC", 1);
    checkpoint::detail::put_list(out, parts, "rotating committable");
    checkpoint::detail::end_frame(out);
    return out;
  }
  static committable decode_committable(std::string_view encoded) {
    checkpoint::detail::reader r(encoded, "rotating committable");
    r.header("SFRC", 1);
    const std::vector<std::string> parts = r.list("files");
    r.finish();
    committable c;
    for (const auto& part : parts) c.push_back(detail::decode_committable(part));
    return c;
  }
  class transactional_connection;
  template <class T, class P>
  transactional_connection open_transactional(const transport_context& cx) const;

 private:
  void repair_torn_files(const transport_context& cx) const;
};

namespace detail {
// The name `tpl` gives key's file number `seq`, opened at `now` (see the top of this file).
inline std::string render_file_name(const std::string& tpl, const std::string& key, wall_time now, std::uint64_t seq) {
  const sinkforge::detail::civil_time t = sinkforge::detail::to_civil(now);
  auto pad = [](std::uint64_t v, int width) {
    std::string s = std::to_string(v);
    return s.size() < static_cast<std::size_t>(width) ? std::string(width - s.size(), '0') + s : s;
  };
  const auto year = static_cast<std::uint64_t>(t.date.year);
  const std::string date = pad(year, 4) + "-" + pad(t.date.month, 2) + "-" + pad(t.date.day, 2);
  const std::string time = pad(year, 4) + pad(t.date.month, 2) + pad(t.date.day, 2) + "T" + pad(t.hour, 2) +
                           pad(t.minute, 2) + pad(t.second, 2) + "Z";
  std::string safe_key = key.empty() ? std::string("all") : key;
  for (char& ch : safe_key)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
          ch == '_' || ch == '-'))
      ch = '_';
  if (safe_key == "." || safe_key == "..") safe_key = "_";
  std::string out;
  for (std::size_t i = 0; i < tpl.size();) {
    auto take = [&](std::string_view field, const std::string& value) {
      if (tpl.compare(i, field.size(), field) == 0) {
        out += value;
        i += field.size();
        return true;
      }
      return false;
    };
    if (take("{key}", safe_key) || take("{time}", time) || take("{date}", date) ||
        take("{seq}", pad(seq, 6)))
      continue;
    out += tpl[i++];
  }
  return out;
}
}  // namespace detail

class rotating::connection {
   public:
    connection(const rotating& cfg, std::string preamble) : cfg_(cfg), preamble_(std::move(preamble)) {}

    template <class K>
    send_result send(const record_batch<K, byte_records>& b) {
      const std::string key = key_text(b.key);
      current& c = files_[key];
      c.last_use = ++use_counter_;
      const auto bytes = b.records.bytes();
      if (needs_rotation(c, bytes.size(), b.records.size(), b.opened_wall)) {
        if (auto r = open_next(key, c, b.opened_wall); !r.ok()) return r;
      }
      send_result r = c.file.append(bytes, cfg_.sync);
      if (!r.ok()) return r;  // the file is as it was before the batch
      c.records += b.records.size();
      close_idle();
      return r;
    }

    void flush() {
      if (cfg_.sync == file::sync::never) return;
      for (auto& [key, c] : files_)
        if (int e = c.file.datasync())
          throw std::system_error(e, std::generic_category(), "fdatasync '" + c.file.path() + "'");
    }
    void close() { files_.clear(); }

    // Paths of every file this connection created, in order.
    const std::vector<std::string>& created() const noexcept { return created_; }

   private:
    struct current {
      detail::append_file file;
      std::uint64_t records = 0;
      wall_time opened{};
      std::uint64_t next_seq = 0;
      std::uint64_t last_use = 0;
    };

    bool needs_rotation(const current& c, std::size_t bytes, std::size_t records, wall_time now) const {
      if (!c.file.is_open() || c.file.broken()) return true;
      const bool has_data = c.records > 0;
      if (has_data && c.file.size() + bytes > cfg_.max_bytes) return true;
      if (has_data && cfg_.max_records && c.records + records > cfg_.max_records) return true;
      if (now - c.opened >= cfg_.max_age) return true;
      return false;
    }

    send_result open_next(const std::string& key, current& c, wall_time now) {
      if (const int e = detail::make_directories(cfg_.directory))
        return send_result::fatal("cannot create directory '" + cfg_.directory + "': " + std::strerror(e));
      for (int tries = 0; tries < 100000; ++tries) {
        const std::string path = detail::join_path(cfg_.directory, render(key, now, c.next_seq++));
        detail::append_file f;
        const int e = f.open(path, preamble_, static_cast<mode_t>(cfg_.mode), /*exclusive=*/true);
        if (e == EEXIST) continue;
        if (e) return detail::errno_result("open", path, e);
        c.file = std::move(f);
        c.records = 0;
        c.opened = now;
        created_.push_back(path);
        return send_result::success();
      }
      return send_result::fatal("no free file name for key '" + key + "' in '" + cfg_.directory + "'");
    }

    std::string render(const std::string& key, wall_time now, std::uint64_t seq) const {
      return detail::render_file_name(cfg_.name, key, now, seq);
    }

    void close_idle() {
      std::size_t open = 0;
      for (auto& [k, c] : files_) open += c.file.is_open();
      while (open > cfg_.max_open_files) {
        current* lru = nullptr;
        for (auto& [k, c] : files_)
          if (c.file.is_open() && (!lru || c.last_use < lru->last_use)) lru = &c;
        lru->file.close();
        --open;
      }
    }

    rotating cfg_;
    std::string preamble_;
    std::unordered_map<std::string, current> files_;
    std::uint64_t use_counter_ = 0;
    std::vector<std::string> created_;
  };



// Whether `file` is a name `tpl` renders: {key} as [A-Za-z0-9._-]+, {time} as 20261123T091845Z,
// {date} as 2026-11-23, {seq} as six or more digits; everything else literally.
inline bool matches_name_template(std::string_view tpl, std::string_view file) {
  auto digits = [](std::string_view s, std::size_t at, std::size_t n) {
    if (at + n > s.size()) return false;
    for (std::size_t i = at; i < at + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (tpl.empty()) return file.empty();
  if (tpl.starts_with("{key}")) {
    for (std::size_t n = 1; n <= file.size(); ++n) {
      const char ch = file[n - 1];
      const bool safe = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                        ch == '.' || ch == '_' || ch == '-';
      if (!safe) return false;
      if (matches_name_template(tpl.substr(5), file.substr(n))) return true;
    }
    return false;
  }
  if (tpl.starts_with("{time}"))
    return digits(file, 0, 8) && file.size() > 15 && file[8] == 'T' && digits(file, 9, 6) && file[15] == 'Z' &&
           matches_name_template(tpl.substr(6), file.substr(16));
  if (tpl.starts_with("{date}"))
    return digits(file, 0, 4) && file.size() > 9 && file[4] == '-' && digits(file, 5, 2) && file[7] == '-' &&
           digits(file, 8, 2) && matches_name_template(tpl.substr(6), file.substr(10));
  if (tpl.starts_with("{seq}")) {
    std::size_t n = 0;
    while (n < file.size() && file[n] >= '0' && file[n] <= '9') ++n;
    for (; n >= 6; --n)
      if (matches_name_template(tpl.substr(5), file.substr(n))) return true;
    return false;
  }
  return !file.empty() && file[0] == tpl[0] && matches_name_template(tpl.substr(1), file.substr(1));
}

// Exactly-once: one staging log per file being written (detail/file_transaction.hpp).
class rotating::transactional_connection {
 public:
  transactional_connection(const rotating& cfg, std::string preamble)
      : cfg_(cfg), scope_("file-rotating:" + cfg.directory), preamble_(std::move(preamble)) {}

  template <class K>
  send_result send(const record_batch<K, byte_records>& b) {
    const std::string key = key_text(b.key);
    per_key& k = keys_[key];
    if (!k.log)
      if (send_result r = start_file(key, k, b.opened_wall); !r.ok()) return r;
    send_result r = k.log->append(b.records.bytes());
    if (r.ok()) {
      k.open_records += b.records.size();
      k.last_wall = b.opened_wall;
    }
    return r;
  }

  // Prepares every file's part; a file full or old after it is replaced for the next checkpoint.
  committable prepare(std::uint64_t checkpoint, std::string_view /*source_position*/) {
    committable out;
    for (auto& [key, k] : keys_) {
      if (!k.log) continue;
      detail::file_committable part;
      if (send_result r = k.log->prepare(checkpoint, part); !r.ok()) throw std::runtime_error(r.reason());
      if (part.length) out.push_back(part);
      k.records += k.open_records;
      k.open_records = 0;
      const bool full = k.log->target_end() >= cfg_.max_bytes || (cfg_.max_records && k.records >= cfg_.max_records) ||
                        k.last_wall - k.opened >= cfg_.max_age;
      if (full) {
        retired_.push_back(std::move(*k.log));
        k.log.reset();
        k.records = 0;
      }
    }
    return out;
  }

  send_result commit(const committable& c) {
    for (const auto& part : c) {
      if (!ours(part.target)) return foreign(part);
      detail::staging_log* log = log_for(part.target);
      if (log && closing_ && part.first >= closing_from_)
        if (send_result r = log->mark_closing(part); !r.ok()) return r;
      if (send_result r = log ? log->commit(part) : detail::commit(part, static_cast<mode_t>(cfg_.mode)); !r.ok())
        return r;
    }
    // A replaced file whose last checkpoint is in: made durable, its staging files removed.
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (it->committed_end() == it->target_end()) {
        if (send_result r = it->finish(); !r.ok()) return r;
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
    return send_result::success();
  }

  std::vector<committable> retained() const {
    committable all;
    for (const auto& [key, k] : keys_)
      if (k.log)
        for (auto& part : k.log->retained()) all.push_back(part);
    for (const auto& log : retired_)
      for (auto& part : log.retained()) all.push_back(part);
    if (all.empty()) return {};
    return {all};
  }

  void abort_open() noexcept {
    for (auto& [key, k] : keys_)
      if (k.log) k.log->abort_open();
  }

  // Commits what the state names, file by file, and clears every file's staging files and close
  // markers in the directory.
  send_result recover(std::vector<committable> decided) {
    std::vector<std::string> targets;
    std::vector<std::vector<detail::file_committable>> parts;
    auto slot = [&](const std::string& target) -> std::vector<detail::file_committable>& {
      for (std::size_t i = 0; i < targets.size(); ++i)
        if (targets[i] == target) return parts[i];
      targets.push_back(target);
      parts.emplace_back();
      return parts.back();
    };
    for (const auto& c : decided)
      for (const auto& part : c) {
        if (!ours(part.target)) return foreign(part);
        slot(part.target).push_back(part);
      }
    int e = 0;
    for (const std::string& target : staged_targets(e)) slot(target);
    if (e) return detail::errno_result("list", cfg_.directory, e);
    for (std::size_t i = 0; i < targets.size(); ++i)
      if (send_result r = detail::recover(targets[i], std::move(parts[i]), static_cast<mode_t>(cfg_.mode)); !r.ok())
        return r;
    return send_result::success();
  }

  std::vector<std::uint64_t> staged() const {
    int e = 0;
    std::vector<std::uint64_t> out;
    for (const std::string& target : staged_targets(e)) {
      int f = 0;
      for (const std::uint64_t k : detail::staging_files(target, f)) out.push_back(k);
      struct stat st {};
      if (::stat(detail::closing_path(target).c_str(), &st) == 0) out.push_back(0);
    }
    if (e) throw std::system_error(e, std::generic_category(), "list '" + cfg_.directory + "'");
    detail::sort_ids(out);
    return out;
  }
  const std::string& scope() const noexcept { return scope_; }

  void will_close(std::uint64_t final_checkpoint) noexcept {
    closing_ = true;
    closing_from_ = final_checkpoint;
  }
  void close() {
    for (auto& [key, k] : keys_)
      if (k.log)
        if (send_result r = k.log->finish(); !r.ok()) throw std::runtime_error(r.reason());
    for (auto& log : retired_)
      if (send_result r = log.finish(); !r.ok()) throw std::runtime_error(r.reason());
    retired_.clear();
  }

 private:
  struct per_key {
    std::optional<detail::staging_log> log;  // the file being written, or none
    std::uint64_t records = 0;                 // in it, prepared
    std::uint64_t open_records = 0;            // in the open transaction
    wall_time opened{};
    wall_time last_wall{};
    std::uint64_t next_seq = 0;
  };

  // Names the key's next file: a name no file has and no log of this sink writes.
  send_result start_file(const std::string& key, per_key& k, wall_time now) {
    if (const int e = detail::make_directories(cfg_.directory))
      return send_result::fatal("cannot create directory '" + cfg_.directory + "': " + std::strerror(e));
    for (int tries = 0; tries < 100000; ++tries) {
      const std::string path = detail::join_path(cfg_.directory, render_file(key, now, k.next_seq++));
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 || log_for(path)) continue;
      if (detail::staging_file_name(detail::base_name(path)))
        return send_result::fatal("the name '" + path + "' has the form of a staging file; change file::rotating.name");
      k.log.emplace();
      if (const int e = k.log->open(path, static_cast<mode_t>(cfg_.mode))) {
        k.log.reset();
        return detail::errno_result("open", path, e);
      }
      if (!preamble_.empty())
        if (send_result r = k.log->append(preamble_); !r.ok()) {
          k.log.reset();
          return r;
        }
      k.opened = now;
      k.records = 0;
      return send_result::success();
    }
    return send_result::fatal("no free file name for key '" + key + "' in '" + cfg_.directory + "'");
  }

  std::string render_file(const std::string& key, wall_time now, std::uint64_t seq) const {
    return detail::render_file_name(cfg_.name, key, now, seq);
  }

  detail::staging_log* log_for(const std::string& target) {
    for (auto& [key, k] : keys_)
      if (k.log && k.log->target() == target) return &*k.log;
    for (auto& log : retired_)
      if (log.target() == target) return &log;
    return nullptr;
  }

  bool ours(const std::string& target) const {
    return detail::parent_dir(target) == detail::parent_dir(detail::join_path(cfg_.directory, "x")) &&
           matches_name_template(cfg_.name, detail::base_name(target));
  }
  send_result foreign(const detail::file_committable& part) const {
    return send_result::fatal("the restored state names the file '" + part.target +
                              "', which is not one of this sink's files in '" + cfg_.directory + "'");
  }

  // The files of the directory with staging files or a close marker: `<file>.<k>.staging`,
  // `<file>.closing`, where the template renders `<file>`.
  std::vector<std::string> staged_targets(int& error) const {
    std::vector<std::string> out;
    error = 0;
    DIR* dir = ::opendir(cfg_.directory.c_str());
    if (!dir) {
      if (errno != ENOENT) error = errno;
      return out;
    }
    while (const dirent* entry = ::readdir(dir)) {
      std::string_view entry_name = entry->d_name;
      if (!detail::staging_file_name(entry_name)) continue;
      std::string_view file;
      if (entry_name.ends_with(".closing")) {
        file = entry_name.substr(0, entry_name.size() - 8);
      } else {
        file = entry_name.substr(0, entry_name.size() - 8);  // ".staging"
        file = file.substr(0, file.rfind('.'));
      }
      if (!matches_name_template(cfg_.name, file)) continue;
      std::string target = detail::join_path(cfg_.directory, std::string(file));
      bool seen = false;
      for (const auto& t : out) seen = seen || t == target;
      if (!seen) out.push_back(std::move(target));
    }
    ::closedir(dir);
    return out;
  }

  rotating cfg_;
  std::string scope_;
  std::string preamble_;
  std::unordered_map<std::string, per_key> keys_;
  std::list<detail::staging_log> retired_;  // replaced files with checkpoints not yet all committed
  bool closing_ = false;
  std::uint64_t closing_from_ = 0;
};

template <class T, class P>
rotating::transactional_connection rotating::open_transactional(const transport_context& cx) const {
  validate();
  if (const int e = detail::make_directories(directory))
    throw config_error("file::rotating.directory", "cannot create '" + directory + "': " + std::strerror(e));
  return transactional_connection(*this, cx.preamble);
}

template <class T, class P>
rotating::connection rotating::open(const transport_context& cx) const {
  validate();
  if (const int e = detail::make_directories(directory))
    throw config_error("file::rotating.directory", "cannot create '" + directory + "': " + std::strerror(e));
  repair_torn_files(cx);
  return connection(*this, cx.preamble);
}

// Files this sink's name template renders may end mid-record after a crash; a new sink never
// appends to them (it creates new files), so it cuts their torn tails here, once.
inline void rotating::repair_torn_files(const transport_context& cx) const {
  if (cx.boundary.terminator == 0) return;
  DIR* dir = ::opendir(directory.c_str());
  if (!dir) return;
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir))
    if (matches_name_template(name, entry->d_name)) names.emplace_back(entry->d_name);
  ::closedir(dir);
  for (const std::string& file_name : names) {
    const std::string path = detail::join_path(directory, file_name);
    detail::append_file f;
    detail::torn_tail torn;
    if (f.open(path, {}, static_cast<mode_t>(mode), false, cx.boundary, &torn) != 0) continue;
    if (torn.cut_bytes) cx.notice(detail::torn_notice(path, std::move(torn)));
  }
}

}  // namespace sinkforge::inline v1::file
