// file::append: every batch is appended to one file with a single write(2) (looping over short
// writes). `sync` decides durability: never (the OS flushes) or per_batch (fdatasync after each).
// CSV's header row is written when the file is new or empty.
//
// A batch lands whole or not at all: a failed or short write (ENOSPC, EFBIG, EIO) or fdatasync
// cuts the file back to where the batch began before the failure is reported or retried. Opening a
// file whose last record is incomplete (a writer killed mid-write) cuts that torn tail and reports
// it through on_error. The tail is found by the serializer's record terminator (ndjson, csv); json
// and raw output are not checked.
//
// Under deliver::exactly_once the batches go to `<path>.inprogress` instead, and only a committed
// checkpoint appends them to `<path>` (the protocol is in detail/file_transaction.hpp). `<path>` then
// belongs to the sink's commits: no other writer may append to it.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/transport/concept.hpp>
#include <sinkforge/transport/detail/file_transaction.hpp>
#include <sinkforge/transport/detail/posix_file.hpp>

namespace sinkforge::inline v1::file {

struct append {
  using policy_family = family::transport;
  static constexpr transport_capabilities capabilities{.transactions = true, .loading = loading_model::append};
  template <class P>
  static constexpr bool accepts_payload = std::is_same_v<P, byte_records>;

  std::string path{};
  file::sync sync = file::sync::never;
  unsigned mode = 0644;

  class connection {
   public:
    connection(detail::append_file f, file::sync s) : file_(std::move(f)), sync_(s) {}
    template <class K>
    send_result send(const record_batch<K, byte_records>& b) {
      return file_.append(b.records.bytes(), sync_);
    }
    void flush() {
      if (sync_ != file::sync::never)
        if (int e = file_.datasync())
          throw std::system_error(e, std::generic_category(), "fdatasync '" + file_.path() + "'");
    }
    void close() { file_.close(); }
    const std::string& path() const noexcept { return file_.path(); }

   private:
    detail::append_file file_;
    file::sync sync_;
  };

  template <class T, class P>
  connection open(const transport_context& cx) const {
    if (path.empty()) throw config_error("file::append.path", "must not be empty");
    detail::append_file f;
    detail::torn_tail torn;
    if (int e = f.open(path, cx.preamble, static_cast<mode_t>(mode), false, cx.boundary, &torn))
      throw config_error("file::append.path", "cannot open '" + path + "': " + std::strerror(e));
    if (torn.cut_bytes) cx.notice(detail::torn_notice(path, std::move(torn)));
    return connection(std::move(f), sync);
  }

  // Exactly-once (detail/file_transaction.hpp): a committable names the target, the staging file
  // and the byte range of its checkpoints, and where they go in the target.
  using committable = detail::file_committable;
  static std::string encode_committable(const committable& c) { return detail::encode_committable(c); }
  static committable decode_committable(std::string_view encoded) { return detail::decode_committable(encoded); }

  class transactional_connection {
   public:
    transactional_connection(std::string target, std::string preamble, mode_t mode)
        : target_(std::move(target)), scope_("file:" + target_), preamble_(std::move(preamble)), mode_(mode) {}

    template <class K>
    send_result send(const record_batch<K, byte_records>& b) {
      if (SINKFORGE_UNLIKELY(!log_.is_open()))
        if (send_result r = start(); !r.ok()) return r;
      return log_.append(b.records.bytes());
    }

    // The source position is the caller's to store: a file has no place for it.
    committable prepare(std::uint64_t checkpoint, std::string_view /*source_position*/) {
      if (!log_.is_open())
        if (send_result r = start(); !r.ok()) throw std::runtime_error(r.reason());
      committable c;
      if (send_result r = log_.prepare(checkpoint, c); !r.ok()) throw std::runtime_error(r.reason());
      return c;
    }
    send_result commit(const committable& c) {
      if (c.target != target_) return foreign(c);
      if (closing_ && c.first >= closing_from_ && log_.is_open())
        if (send_result r = log_.mark_closing(c); !r.ok()) return r;
      return log_.is_open() ? log_.commit(c) : detail::commit(c, mode_);
    }
    // Checkpoint `final_checkpoint` is close()'s own: no stored state names it.
    void will_close(std::uint64_t final_checkpoint) noexcept {
      closing_ = true;
      closing_from_ = final_checkpoint;
    }
    // Committed checkpoints not yet durable in the file: the writer state keeps them.
    std::vector<committable> retained() const { return log_.retained(); }
    void abort_open() noexcept { log_.abort_open(); }
    send_result recover(std::vector<committable> decided) {
      for (const committable& c : decided)
        if (c.target != target_) return foreign(c);
      return detail::recover(target_, std::move(decided), mode_);
    }
    // The staging files found (by number): data of checkpoints a stored state may name. A close
    // marker counts as staging file 0.
    std::vector<std::uint64_t> staged() const {
      int e = 0;
      std::vector<std::uint64_t> ks = detail::staging_files(target_, e);
      if (e) throw std::system_error(e, std::generic_category(), "list the folder of '" + target_ + "'");
      struct stat st {};
      if (::stat(detail::closing_path(target_).c_str(), &st) == 0) ks.insert(ks.begin(), 0);
      return ks;
    }
    const std::string& scope() const noexcept { return scope_; }
    // After the final commit: the file is made durable and the staging files go.
    void close() {
      if (!log_.is_open()) return;
      if (send_result r = log_.finish(); !r.ok()) throw std::runtime_error(r.reason());
    }

   private:
    // After recovery, at the first batch: the log learns the file's length. The first checkpoint
    // committed to an empty file begins with the preamble (the CSV header).
    send_result start() {
      if (const int e = log_.open(target_, mode_)) return detail::errno_result("open", target_, e);
      if (!preamble_.empty() && log_.target_end() == 0)
        if (send_result r = log_.append(preamble_); !r.ok()) return r;
      preamble_.clear();
      return send_result::success();
    }
    send_result foreign(const committable& c) const {
      return send_result::fatal("the restored state names the file '" + c.target + "'; this sink writes '" + target_ +
                                "'");
    }

    std::string target_;
    std::string scope_;
    std::string preamble_;
    mode_t mode_;
    detail::staging_log log_;
    bool closing_ = false;
    std::uint64_t closing_from_ = 0;
  };

  template <class T, class P>
  transactional_connection open_transactional(const transport_context& cx) const {
    if (path.empty()) throw config_error("file::append.path", "must not be empty");
    if (detail::staging_file_name(detail::base_name(path)))
      throw config_error("file::append.path", "'" + path + "' has the form of a staging file of the exactly-once "
                                                      "protocol (<name>.<n>.staging)");
    return transactional_connection(path, cx.preamble, static_cast<mode_t>(mode));
  }
};

}  // namespace sinkforge::inline v1::file
