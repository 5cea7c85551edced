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
#pragma once
#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <dirent.h>

#include <sinkforge/partition/key.hpp>
#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/transport/concept.hpp>
#include <sinkforge/transport/detail/posix_file.hpp>

namespace sinkforge::inline v1::file {

struct rotating {
  using policy_family = family::transport;

  // Files roll by size and by the wall clock, which a replay after a crash does not repeat: the
  // same records could land in other files than before. Rolling at checkpoint boundaries instead
  // is not built yet, so exactly_once is refused here with this message.
  static constexpr bool exactly_once_deterministic = false;
  template <class Never = void>
  static void check_exactly_once() {
    static_assert(exactly_once_deterministic && std::is_void_v<Never>,
                  "sinkforge::make_sink: file::rotating under deliver::exactly_once is refused: it rolls files by "
                  "wall-clock time and size, so a replay after a crash could put records in other files than "
                  "the first attempt did. Use file::append with deliver::exactly_once, or deliver::at_least_once");
  }
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

 private:
  void repair_torn_files(const transport_context& cx) const;
};

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
      using namespace std::chrono;
      const auto day = floor<days>(now);
      const year_month_day ymd{day};
      const hh_mm_ss<seconds> hms{floor<seconds>(now - day)};
      auto pad = [](std::uint64_t v, int width) {
        std::string s = std::to_string(v);
        return s.size() < static_cast<std::size_t>(width) ? std::string(width - s.size(), '0') + s : s;
      };
      const std::string date = pad(static_cast<unsigned>(static_cast<int>(ymd.year())), 4) + "-" +
                               pad(static_cast<unsigned>(ymd.month()), 2) + "-" +
                               pad(static_cast<unsigned>(ymd.day()), 2);
      const std::string time = pad(static_cast<unsigned>(static_cast<int>(ymd.year())), 4) +
                               pad(static_cast<unsigned>(ymd.month()), 2) + pad(static_cast<unsigned>(ymd.day()), 2) +
                               "T" + pad(static_cast<std::uint64_t>(hms.hours().count()), 2) +
                               pad(static_cast<std::uint64_t>(hms.minutes().count()), 2) +
                               pad(static_cast<std::uint64_t>(hms.seconds().count()), 2) + "Z";
      std::string safe_key = key.empty() ? std::string("all") : key;
      for (char& ch : safe_key)
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
              ch == '_' || ch == '-'))
          ch = '_';
      if (safe_key == "." || safe_key == "..") safe_key = "_";
      std::string out;
      const std::string& tpl = cfg_.name;
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
