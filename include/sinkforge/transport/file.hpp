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

#include <sinkforge/checkpoint/detail/binary.hpp>
#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/transport/concept.hpp>
#include <sinkforge/transport/detail/file_transaction.hpp>
#include <sinkforge/transport/detail/posix_file.hpp>

namespace sinkforge::inline v1::file {

struct append {
  using policy_family = family::transport;
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

  // Exactly-once: a prepared checkpoint is named by the target and its number.
  using committable = detail::file_committable;
  // "SFFC" v1 frame: checkpoint u64 | target (u32 length + bytes) | CRC-32.
  static std::string encode_committable(const committable& c) {
    std::string out = checkpoint::detail::begin_frame("SFFC", 1);
    checkpoint::detail::put_le(out, c.checkpoint);
    checkpoint::detail::put_bytes(out, c.target, "file committable target");
    checkpoint::detail::end_frame(out);
    return out;
  }
  static committable decode_committable(std::string_view encoded) {
    checkpoint::detail::reader r(encoded, "file committable");
    r.header("SFFC", 1);
    committable c;
    c.checkpoint = r.u64("checkpoint");
    c.target = std::string(r.bytes("target"));
    r.finish();
    return c;
  }

  class transactional_connection {
   public:
    transactional_connection(std::string target, std::string preamble, mode_t mode)
        : target_(std::move(target)), scope_("file:" + target_), preamble_(std::move(preamble)), mode_(mode) {}
    transactional_connection(transactional_connection&&) = default;

    template <class K>
    send_result send(const record_batch<K, byte_records>& b) {
      if (SINKFORGE_UNLIKELY(!started_))
        if (send_result r = start(); !r.ok()) return r;
      send_result r = staged_.append(b.records.bytes());
      if (r.ok()) staged_bytes_ += b.records.byte_size();
      return r;
    }

    // An empty checkpoint stages nothing: committing it finds no pending file and succeeds.
    // The source position is the caller's to store: a file has no place for it.
    committable prepare(std::uint64_t checkpoint, std::string_view /*source_position*/) {
      committable c{target_, checkpoint};
      if (staged_bytes_ == 0) return c;
      if (send_result r = staged_.prepare(checkpoint, c); !r.ok()) throw std::runtime_error(r.reason());
      staged_bytes_ = 0;
      return c;
    }
    send_result commit(const committable& c) { return detail::commit(c); }
    void abort_open() noexcept {
      if (started_) staged_.abort_open();
      started_ = false;
      staged_bytes_ = 0;
    }
    send_result recover(std::vector<committable> decided) {
      for (const committable& c : decided)
        if (c.target != target_)
          return send_result::fatal("the restored state names the file '" + c.target + "'; this sink writes '" +
                                    target_ + "'");
      return detail::recover(target_, decided);
    }
    std::vector<std::uint64_t> staged() const {
      int e = 0;
      std::vector<std::uint64_t> ids = detail::staged_checkpoints(target_, e);
      if (e) throw std::system_error(e, std::generic_category(), "list the folder of '" + target_ + "'");
      return ids;
    }
    const std::string& scope() const noexcept { return scope_; }

   private:
    // The first transaction of a target that is empty when it begins carries the preamble (the CSV
    // header): the target's first committed bytes.
    send_result start() {
      if (const int e = staged_.open(target_, mode_)) return detail::errno_result("open", detail::in_progress_path(target_), e);
      started_ = true;
      if (!preamble_.empty()) {
        struct stat st {};
        const bool empty = ::stat(target_.c_str(), &st) != 0 ? errno == ENOENT : st.st_size == 0;
        if (empty)
          if (send_result r = staged_.append(preamble_); !r.ok()) return r;
        staged_bytes_ += empty ? preamble_.size() : 0;
        preamble_.clear();
      }
      return send_result::success();
    }

    std::string target_;
    std::string scope_;
    std::string preamble_;
    mode_t mode_;
    detail::staged_file staged_;
    bool started_ = false;
    std::uint64_t staged_bytes_ = 0;
  };

  template <class T, class P>
  transactional_connection open_transactional(const transport_context& cx) const {
    if (path.empty()) throw config_error("file::append.path", "must not be empty");
    if (detail::staging_file_name(detail::base_name(path)))
      throw config_error("file::append.path", "'" + path + "' has the form of a staging file of the exactly-once "
                                                      "protocol (.inprogress, .<n>.pending, .<n>.committing)");
    return transactional_connection(path, cx.preamble, static_cast<mode_t>(mode));
  }
};

}  // namespace sinkforge::inline v1::file
