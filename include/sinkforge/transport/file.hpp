// file::append: every batch is appended to one file with a single write(2) (looping over short
// writes). `sync` decides durability: never (the OS flushes) or per_batch (fdatasync after each).
// CSV's header row is written when the file is new or empty.
//
// A batch lands whole or not at all: a failed or short write (ENOSPC, EFBIG, EIO) or fdatasync
// cuts the file back to where the batch began before the failure is reported or retried. Opening a
// file whose last record is incomplete (a writer killed mid-write) cuts that torn tail and reports
// it through on_error. The tail is found by the serializer's record terminator (ndjson, csv); json
// and raw output are not checked.
#pragma once
#include <string>
#include <system_error>
#include <type_traits>

#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/transport/concept.hpp>
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
};

}  // namespace sinkforge::inline v1::file
