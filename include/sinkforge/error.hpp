// What can go wrong, and how it is reported.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/hana/define_struct.hpp>

#include <sinkforge/config.hpp>
#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/detail/concat.hpp>

namespace sinkforge::inline v1 {

// How a transport classifies a failure. The sink's reaction depends only on this:
//  retryable      - the same records may succeed later (timeouts, busy, 5xx, 429); retried per policy
//  fatal          - retrying cannot help (authentication, schema, disk gone); not retried
//  invalid_record - this record can never be written (constraint, too large); dead-lettered, not retried
enum class failure_kind : std::uint8_t { retryable, fatal, invalid_record };

constexpr std::string_view to_string(failure_kind k) noexcept {
  switch (k) {
    case failure_kind::retryable: return "retryable";
    case failure_kind::fatal: return "fatal";
    case failure_kind::invalid_record: return "invalid_record";
  }
  return "unknown";
}
// Text serializers write failure kinds by name.
constexpr std::string_view sinkforge_enum_name(failure_kind k) noexcept { return to_string(k); }

// One record of a batch that failed while the others may have succeeded.
struct record_failure {
  std::uint32_t index = 0;  // position in the batch that was sent
  failure_kind kind = failure_kind::retryable;
  std::string reason;
};

// What a transport's send() returns. Success is cheap: no allocation.
// A partial result names the failed records; every record not named was delivered.
class send_result {
 public:
  static send_result success() noexcept { return send_result{}; }
  static send_result retryable(std::string reason,
                               std::optional<std::chrono::nanoseconds> retry_after = {}) {
    return send_result{failure_kind::retryable, std::move(reason), retry_after, {}};
  }
  static send_result fatal(std::string reason) {
    return send_result{failure_kind::fatal, std::move(reason), {}, {}};
  }
  static send_result invalid(std::string reason) {
    return send_result{failure_kind::invalid_record, std::move(reason), {}, {}};
  }
  static send_result partial(std::vector<record_failure> failures,
                             std::optional<std::chrono::nanoseconds> retry_after = {}) {
    if (failures.empty()) return success();
    std::string reason = failures.front().reason;
    return send_result{failure_kind::retryable, std::move(reason), retry_after, std::move(failures)};
  }

  bool ok() const noexcept { return !failed_; }
  bool is_partial() const noexcept { return !failures_.empty(); }
  failure_kind kind() const noexcept { return kind_; }
  const std::string& reason() const noexcept { return reason_; }
  std::optional<std::chrono::nanoseconds> retry_after() const noexcept { return retry_after_; }
  const std::vector<record_failure>& failures() const noexcept { return failures_; }

 private:
  send_result() = default;
  send_result(failure_kind k, std::string r, std::optional<std::chrono::nanoseconds> ra,
              std::vector<record_failure> f)
      : failed_(true), kind_(k), reason_(std::move(r)), retry_after_(ra), failures_(std::move(f)) {}

  bool failed_ = false;
  failure_kind kind_ = failure_kind::retryable;
  std::string reason_;
  std::optional<std::chrono::nanoseconds> retry_after_;
  std::vector<record_failure> failures_;
};

// Why a record could not be serialized. `field` is a static string (a member name), never user data.
enum class encode_errc : std::uint8_t {
  ok,
  non_finite_number,  // NaN or infinity where the format has no representation
  invalid_utf8,       // with the reject rule
  too_large,          // larger than max_record_bytes / max_bytes
  unrepresentable,    // a value the format cannot hold (e.g. a time point out of range)
  incomplete,         // a part the record's kind needs is missing (a CDC update without its row)
  not_a_column,       // a field of a record known at run time that the declared columns lack
};

struct encode_status {
  encode_errc code = encode_errc::ok;
  const char* field = "";

  constexpr explicit operator bool() const noexcept { return code == encode_errc::ok; }

  std::string message() const {
    std::string m;
    switch (code) {
      case encode_errc::ok: return "ok";
      case encode_errc::non_finite_number: m = "NaN or infinite number"; break;
      case encode_errc::invalid_utf8: m = "invalid UTF-8 in a string"; break;
      case encode_errc::too_large: m = "record larger than the batch byte limit"; break;
      case encode_errc::unrepresentable: m = "value not representable in the format"; break;
      case encode_errc::incomplete: m = "missing a part its kind needs"; break;
      case encode_errc::not_a_column: return std::string("field '") + field + "' is not one of the declared columns";
    }
    if (field && *field) {
      m += " in field '";
      m += field;
      m += '\'';
    }
    return m;
  }
};

// A record that could not be delivered, as handed to a dead-letter target or carried by
// delivery_error. `payload` is the encoded record, or a diagnostic rendering when encoding failed.
// It is a Hana-adapted struct, so a dead-letter target can be any sink of failed_record.
struct failed_record {
  BOOST_HANA_DEFINE_STRUCT(failed_record,
                           (std::string, payload),
                           (std::string, reason),
                           (failure_kind, kind),
                           (std::uint32_t, attempts),
                           (std::string, partition));
};

// Thrown by write()/flush()/close() when records could not be delivered and no dead-letter target
// was configured. The records travel with the exception: nothing is dropped silently.
class delivery_error : public std::runtime_error {
 public:
  explicit delivery_error(std::vector<failed_record> records)
      : std::runtime_error(describe(records)), records_(std::move(records)) {}

  const std::vector<failed_record>& records() const noexcept { return records_; }

 private:
  static std::string describe(const std::vector<failed_record>& rs) {
    if (rs.empty()) return "sinkforge: 0 record(s) could not be delivered";
    return detail::concat({"sinkforge: ", std::to_string(rs.size()), " record(s) could not be delivered (",
                           to_string(rs.front().kind), ": ", rs.front().reason, ")"});
  }
  std::vector<failed_record> records_;
};

// Thrown by write() on an async sink whose buffer is full under the `fail` overflow rule.
class backpressure_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown at construction when a configuration value is invalid. The message names the field and
// never contains a credential.
class config_error : public std::invalid_argument {
 public:
  config_error(std::string_view field, std::string_view problem)
      : std::invalid_argument(detail::concat({"sinkforge: invalid configuration: ", field, ": ", problem})),
        field_(field) {}
  const std::string& field() const noexcept { return field_; }

 private:
  std::string field_;
};

}  // namespace sinkforge::inline v1
