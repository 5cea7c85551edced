// registry::sinks<T, Schemes...>: a sink of T chosen at run time from a URI, among a closed set of
// sinks composed at compile time.
//
//   using order_sinks = sf::registry::sinks<Order, sf::schemes::sqlite, sf::schemes::file>;
//   auto sink = order_sinks::open("sqlite://shop.db?table=orders&batch.max_records=1000&delivery=exactly_once");
//   sink.write(orders);               // a range: one dispatch, then the composed sink's own loop
//   sink.checkpoint(source_offset);   // exactly_once: prepare, store, commit; otherwise flush
//   sink.close();
//
//   auto all = order_sinks::from_env();   // SINKFORGE_SINKS="sqlite://shop.db?table=orders,stdout:"
//
// Every (scheme, policies the scheme can choose, delivery guarantee) that composes is one concrete
// sink type, `make_sink<T>(scheme policies..., batching, retry, guarantee, ...)`; a `sink` holds one
// of them in a std::variant. A call dispatches on the variant's index to the concrete sink (a
// switch the compiler sees through, no virtual call); write(range) and visit(f) dispatch once for
// many records.
//
// Policies the keys set (registry/scheme.hpp, common_keys):
//   batch::max_records{batch.max_records} | batch::max_age{batch.max_age}
//   retry::exponential{retry.*}                 (none under at_most_once)
//   deliver::<delivery>; under exactly_once also sf::restore(the checkpoint store's last checkpoint)
//   metrics::counters{.name = name}             (sink.counters())
//   dead_letter::call(open_options::dead_letter) (when empty, failures throw delivery_error, as
//                                                 a sink without a dead-letter policy does)
//
// A URI is checked whole before anything is opened: an unknown scheme or key, a bad value, a
// missing part or a guarantee the scheme's transport cannot give is a config_error naming the key
// and what it accepts, with the URI's secrets shown as ***.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <sinkforge/batch/max_age.hpp>
#include <sinkforge/batch/max_records.hpp>
#include <sinkforge/checkpoint/file_store.hpp>
#include <sinkforge/checkpoint/restore.hpp>
#include <sinkforge/dead_letter/policy.hpp>
#include <sinkforge/metrics/counters.hpp>
#include <sinkforge/on_error.hpp>
#include <sinkforge/registry/scheme.hpp>
#include <sinkforge/sink.hpp>

namespace sinkforge::inline v1::registry {

// What a program gives the registry beside the URI.
struct open_options {
  // Records the sink could not deliver (invalid, fatal, retries exhausted), with their reasons.
  // When empty, write(), flush(), checkpoint() and close() throw delivery_error carrying them.
  std::function<void(std::vector<failed_record>&&)> dead_letter{};
};

namespace detail {

template <class... Ts>
struct type_list {};

template <class R>
struct recipes_of {
  using type = type_list<R>;
};
template <class... Rs>
struct recipes_of<std::variant<Rs...>> {
  using type = type_list<Rs...>;
};

template <class L, class... Ts>
struct append_unique {
  using type = L;
};
template <class... Ls, class T, class... Ts>
struct append_unique<type_list<Ls...>, T, Ts...>
    : append_unique<std::conditional_t<(std::is_same_v<T, Ls> || ...), type_list<Ls...>, type_list<Ls..., T>>, Ts...> {};

template <class Acc, class... Lists>
struct join_unique {
  using type = Acc;
};
template <class Acc, class... Ts, class... Rest>
struct join_unique<Acc, type_list<Ts...>, Rest...> : join_unique<typename append_unique<Acc, Ts...>::type, Rest...> {};

using batching_type = decltype(batch::max_records{} | batch::max_age{});
using dead_letter_fn = std::function<void(std::vector<failed_record>&&)>;
using dead_letter_type = dead_letter::callback<dead_letter_fn>;

// The policies the common keys add, per guarantee.
template <sinkforge::guarantee G>
struct common_types;
template <>
struct common_types<sinkforge::guarantee::at_least_once> {
  using type = std::tuple<batching_type, retry::exponential, deliver::at_least_once_t, metrics::counters, dead_letter_type>;
};
template <>
struct common_types<sinkforge::guarantee::at_most_once> {
  using type = std::tuple<batching_type, deliver::at_most_once_t, metrics::counters, dead_letter_type>;
};
template <>
struct common_types<sinkforge::guarantee::exactly_once> {
  using type = std::tuple<batching_type, retry::exponential, deliver::exactly_once_t, checkpoint::restored_state,
                          metrics::counters, dead_letter_type>;
};

template <class T, class Recipe, class Common>
struct composition_of;
template <class T, class... Ps, class... Cs>
struct composition_of<T, std::tuple<Ps...>, std::tuple<Cs...>> {
  static constexpr bool ok = composes<T, Ps..., Cs...>;
  // Named only when ok: naming a composition that breaks a rule fails its static_assert.
  template <bool = ok>
  struct sink {
    using type = decltype(make_sink<T>(std::declval<Ps>()..., std::declval<Cs>()...));
  };
};

template <class T, class Recipe, sinkforge::guarantee G>
inline constexpr bool composes_as = composition_of<T, Recipe, typename common_types<G>::type>::ok;

// One alternative of a registry's variant: a composed sink and, under exactly_once, its
// checkpoint store and next checkpoint id.
template <class Sink, sinkforge::guarantee G>
struct entry {
  static constexpr sinkforge::guarantee guarantee = G;
  std::optional<checkpoint::file_store> store;
  Sink sink;
  std::uint64_t next_checkpoint = 1;

  template <class Make>
  entry(std::optional<checkpoint::file_store> s, Make&& make) : store(std::move(s)), sink(make(store)) {
    if constexpr (G == sinkforge::guarantee::exactly_once)
      if (const auto& resumed = sink.resume_point()) next_checkpoint = resumed->id + 1;
  }
};

template <class T, class Recipe, sinkforge::guarantee G, bool = composes_as<T, Recipe, G>>
struct entry_for {
  using type = type_list<>;
};
template <class T, class Recipe, sinkforge::guarantee G>
struct entry_for<T, Recipe, G, true> {
  using sink_type = typename composition_of<T, Recipe, typename common_types<G>::type>::template sink<>::type;
  using type = type_list<entry<sink_type, G>>;
};

template <class T, class Recipes>
struct entries_of_recipes;
template <class T, class... Rs>
struct entries_of_recipes<T, type_list<Rs...>> {
  using type = typename join_unique<type_list<>, typename entry_for<T, Rs, sinkforge::guarantee::at_least_once>::type...,
                                    typename entry_for<T, Rs, sinkforge::guarantee::at_most_once>::type...,
                                    typename entry_for<T, Rs, sinkforge::guarantee::exactly_once>::type...>::type;
};

template <class T, class S>
using recipe_t = decltype(S::template policies<T>(std::declval<const uri&>(), std::declval<options&>()));

template <class T, class S>
using entries_of_scheme = typename entries_of_recipes<T, typename recipes_of<recipe_t<T, S>>::type>::type;

template <class L>
struct variant_of;
template <class... Es>
struct variant_of<type_list<Es...>> {
  using type = std::variant<std::monostate, Es...>;
};

// f(std::get<I>(v)) for the alternative v holds (not the monostate at 0), through a chain the
// optimizer folds into a jump table and can inline (std::visit may call through a table of
// function pointers).
template <std::size_t I = 1, class V, class F>
decltype(auto) dispatch(V& v, F&& f) {
  if constexpr (I + 1 < std::variant_size_v<std::remove_const_t<V>>) {
    if (v.index() != I) return dispatch<I + 1>(v, std::forward<F>(f));
  }
  return f(*std::get_if<I>(&v));
}

// The batch a recipe's transport prefers (capabilities.preferred_batch), or 0.
template <class P>
constexpr std::size_t preferred_batch_of() {
  if constexpr (requires { P::capabilities.preferred_batch; }) return P::capabilities.preferred_batch;
  else return 0;
}
template <class... Ps>
constexpr std::size_t preferred_batch(const std::tuple<Ps...>*) {
  std::size_t n = 0;
  ((n = n != 0 ? n : preferred_batch_of<Ps>()), ...);
  return n;
}

template <class S>
std::string default_name(const uri& u) {
  if constexpr (requires { S::default_name(u); }) return S::default_name(u);
  else return sinkforge::detail::concat({S::name, ":", u.host_as_written, u.path});
}

}  // namespace detail

template <class T, scheme... Schemes>
class sinks {
  static_assert(sizeof...(Schemes) > 0, "sinkforge::registry::sinks<T, Schemes...>: name at least one scheme");

 public:
  using alternatives = typename detail::variant_of<
      typename detail::join_unique<detail::type_list<>, detail::entries_of_scheme<T, Schemes>...>::type>::type;
  static constexpr std::size_t sink_types = std::variant_size_v<alternatives> - 1;
  using record_type = T;

  class sink {
   public:
    explicit sink(std::string_view uri_text, open_options opts = {}) : sink(parse_uri(uri_text), std::move(opts)) {}
    // `settings`: keys beside the URI's query (a TOML route's), read as if they were in it.
    explicit sink(uri u, open_options opts = {}, std::vector<std::pair<std::string, std::string>> settings = {})
        : options_(std::move(opts)) {
      init(u, std::move(settings));
    }
    sink(const sink&) = delete;
    sink& operator=(const sink&) = delete;

    // Checks the URI as the constructor does, and opens nothing.
    struct validate_only {};
    sink(validate_only, const uri& u, std::vector<std::pair<std::string, std::string>> settings) : validating_(true) {
      init(u, std::move(settings));
    }

    ~sink() {
      try {
        sink_.template emplace<0>();  // the composed sink closes, and may dead-letter
      } catch (...) {
      }
      if (!pending_.empty()) errors::to_stderr{}(delivery_error(std::move(pending_)));
    }

    void write(const T& record) {
      call([&](auto& s) { s.write(record); });
    }
    void write(T&& record) {
      call([&](auto& s) { s.write(std::move(record)); });
    }
    // A range of T: one dispatch, then the composed sink's loop.
    template <class R>
      requires(!std::is_same_v<std::remove_cvref_t<R>, T>)
    void write(R&& records) {
      call([&](auto& s) { s.write(std::forward<R>(records)); });
    }
    void flush() {
      call([](auto& s) { s.flush(); });
    }
    void tick() {
      call([](auto& s) { s.tick(); });
    }
    void close() {
      call([](auto& s) { s.close(); });
    }

    // Marks `source_position` as written. Under exactly_once: sends what is open, prepares a
    // checkpoint recording the position, saves it to the checkpoint store (if the scheme keeps
    // one) and commits it: once this returns, a restarted sink resumes after it. Otherwise: flush().
    void checkpoint(std::string_view source_position) {
      on_entry([&](auto& e) {
        if constexpr (std::remove_cvref_t<decltype(e)>::guarantee == sinkforge::guarantee::exactly_once) {
          const std::uint64_t id = e.next_checkpoint;
          const checkpoint::writer_state state = e.sink.prepare_checkpoint(id, source_position);
          if (e.store) e.store->save({id, std::string(source_position), {checkpoint::encode(state)}});
          e.sink.commit_checkpoint(id);
          e.next_checkpoint = id + 1;
        } else {
          e.sink.flush();
        }
      });
      rethrow_pending();
    }

    // Under exactly_once, the source position of the last committed checkpoint: where the input
    // resumes. Empty otherwise, or before the first checkpoint.
    std::optional<std::string> resume_position() const {
      return on_entry([](const auto& e) -> std::optional<std::string> {
        if constexpr (std::remove_cvref_t<decltype(e)>::guarantee == sinkforge::guarantee::exactly_once)
          if (const auto& r = e.sink.resume_point()) return r->source_position;
        return std::nullopt;
      });
    }

    // f(the composed sink), for a loop that should see its concrete type.
    template <class F>
    decltype(auto) visit(F&& f) {
      return on_entry([&](auto& e) -> decltype(auto) { return f(e.sink); });
    }

    sinkforge::guarantee guarantee() const noexcept { return guarantee_; }
    std::string_view scheme() const noexcept { return scheme_; }
    // The URI, its secrets as ***.
    const std::string& target() const noexcept { return target_; }
    const std::string& name() const noexcept { return counters_.name; }
    // The sink's counters (shared with the composed sink).
    const metrics::counters& counters() const noexcept { return counters_; }
    // Which of the registry's concrete sink types this is (1-based; for tests and diagnostics).
    std::size_t alternative() const noexcept { return sink_.index(); }

   private:
    void init(const uri& u, std::vector<std::pair<std::string, std::string>> settings) {
      target_ = u.redacted();
      std::vector<std::pair<std::string, std::string>> all = u.query;
      for (auto& kv : settings) {
        for (const auto& given : all)
          if (given.first == kv.first)
            throw config_error(kv.first, sinkforge::detail::concat({"given twice (in ", target_, ")"}));
        all.push_back(std::move(kv));
      }
      options o(std::move(all), target_);
      const bool found = ((scheme_named<Schemes>(u.scheme) && (open_with<Schemes>(u, o), true)) || ...);
      if (!found) unknown_scheme(u);
    }

    [[noreturn]] void unknown_scheme(const uri& u) const {
      std::string known;
      ((known += sinkforge::detail::concat({known.empty() ? "" : ", ", Schemes::name})), ...);
      throw config_error("uri.scheme", sinkforge::detail::concat({"unknown scheme '", u.scheme, "'; known: ", known,
                                                                  " (in ", target_, ")"}));
    }

    template <class S>
    void open_with(const uri& u, options& o) {
      const std::span<const key_info> accepted[] = {std::span<const key_info>(S::keys), common_keys};
      o.check_known(accepted);
      const common_settings c = read_common(o);
      auto recipe = S::template policies<T>(u, o);
      o.finish(accepted);
      std::optional<std::string> store_path = c.checkpoint;
      if (c.delivery == sinkforge::guarantee::exactly_once && !store_path) {
        if constexpr (requires { S::checkpoint_file(u); }) store_path = S::checkpoint_file(u);
      }
      counters_.name = c.name.empty() ? detail::default_name<S>(u) : c.name;
      scheme_ = S::name;
      guarantee_ = c.delivery;
      emplace_recipe<S>(recipe, c, store_path, o);
    }

    template <class S, class... Rs>
    void emplace_recipe(std::variant<Rs...>& recipe, const common_settings& c, const std::optional<std::string>& store,
                        const options& o) {
      std::visit([&](auto& r) { emplace_recipe<S>(r, c, store, o); }, recipe);
    }

    template <class S, class... Ps>
    void emplace_recipe(std::tuple<Ps...>& recipe, const common_settings& c, const std::optional<std::string>& store,
                        const options& o) {
      using R = std::tuple<Ps...>;
      switch (c.delivery) {
        case sinkforge::guarantee::at_least_once:
          if constexpr (detail::composes_as<T, R, sinkforge::guarantee::at_least_once>)
            return emplace_as<S, sinkforge::guarantee::at_least_once>(recipe, c, store, o);
          break;
        case sinkforge::guarantee::at_most_once:
          if constexpr (detail::composes_as<T, R, sinkforge::guarantee::at_most_once>)
            return emplace_as<S, sinkforge::guarantee::at_most_once>(recipe, c, store, o);
          break;
        case sinkforge::guarantee::exactly_once:
          if constexpr (detail::composes_as<T, R, sinkforge::guarantee::exactly_once>)
            return emplace_as<S, sinkforge::guarantee::exactly_once>(recipe, c, store, o);
          break;
      }
      if constexpr (!detail::composes_as<T, R, sinkforge::guarantee::at_least_once> &&
                    !detail::composes_as<T, R, sinkforge::guarantee::at_most_once> &&
                    !detail::composes_as<T, R, sinkforge::guarantee::exactly_once>)
        o.fail("uri", sinkforge::detail::concat({"the policies these keys choose on ", S::name,
                                                 " cannot write this record type (a CSV of a nested member?)"}));
      std::string accepted;
      if constexpr (detail::composes_as<T, R, sinkforge::guarantee::at_least_once>) accepted += "at_least_once";
      if constexpr (detail::composes_as<T, R, sinkforge::guarantee::at_most_once>)
        accepted += sinkforge::detail::concat({accepted.empty() ? "" : ", ", "at_most_once"});
      if constexpr (detail::composes_as<T, R, sinkforge::guarantee::exactly_once>)
        accepted += sinkforge::detail::concat({accepted.empty() ? "" : ", ", "exactly_once"});
      o.fail("delivery", sinkforge::detail::concat({to_string(c.delivery), " is not available on ", S::name,
                                                    " for this record type (exactly_once needs a transport with "
                                                    "two-phase commit); accepted: ",
                                                    accepted}));
    }

    template <class S, sinkforge::guarantee G, class... Ps>
    void emplace_as(std::tuple<Ps...>& recipe, const common_settings& c, const std::optional<std::string>& store_path,
                    const options& o) {
      using R = std::tuple<Ps...>;
      using entry_type = detail::entry<typename detail::entry_for<T, R, G>::sink_type, G>;
      if (G == sinkforge::guarantee::exactly_once && !store_path && !keeps_checkpoint<S>())
        o.fail("checkpoint", sinkforge::detail::concat({"delivery=exactly_once on ", S::name,
                                                        ": needs a checkpoint store: checkpoint=<file>"}));
      if (validating_) return;
      std::optional<checkpoint::file_store> store;
      if (store_path) store.emplace(*store_path);
      constexpr std::size_t preferred = detail::preferred_batch(static_cast<const R*>(nullptr));
      const std::size_t records = c.max_records_given || preferred == 0 ? c.max_records : preferred;
      const auto batching = batch::max_records{records} | batch::max_age{c.max_age};
      const detail::dead_letter_type dead{[this](std::vector<failed_record>&& rs) { dead_lettered(std::move(rs)); }};
      sink_.template emplace<entry_type>(std::move(store), [&](std::optional<checkpoint::file_store>& st) {
        return std::apply(
            [&](auto&... ps) {
              if constexpr (G == sinkforge::guarantee::at_most_once)
                return make_sink<T>(ps..., batching, deliver::at_most_once, counters_, dead);
              else if constexpr (G == sinkforge::guarantee::at_least_once)
                return make_sink<T>(ps..., batching, c.retry, deliver::at_least_once, counters_, dead);
              else
                return make_sink<T>(ps..., batching, c.retry, deliver::exactly_once,
                                    sinkforge::restore(st ? st->load() : std::nullopt), counters_, dead);
            },
            recipe);
      });
    }

    template <class F>
    decltype(auto) on_entry(F&& f) {
      if (sink_.index() - 1 >= sink_types) closed();
      return detail::dispatch(sink_, std::forward<F>(f));
    }
    template <class F>
    decltype(auto) on_entry(F&& f) const {
      if (sink_.index() - 1 >= sink_types) closed();
      return detail::dispatch(sink_, std::forward<F>(f));
    }

    template <class F>
    void call(F&& f) {
      on_entry([&](auto& e) { f(e.sink); });
      rethrow_pending();
    }

    void dead_lettered(std::vector<failed_record>&& rs) {
      if (options_.dead_letter) options_.dead_letter(std::move(rs));
      else
        for (auto& r : rs) pending_.push_back(std::move(r));
    }

    void rethrow_pending() {
      if (!pending_.empty()) throw delivery_error(std::exchange(pending_, {}));
    }

    [[noreturn]] static void closed() {
      throw std::logic_error("sinkforge::registry: this sink holds no composed sink (its construction failed)");
    }

    bool validating_ = false;
    open_options options_;
    std::string target_;
    std::string_view scheme_;
    sinkforge::guarantee guarantee_ = sinkforge::guarantee::at_least_once;
    metrics::counters counters_{};
    std::vector<failed_record> pending_;
    alternatives sink_;  // last: destroyed first, while pending_ and the dead-letter target live
  };

  // Throws the config_error opening `uri` would throw for its scheme, keys and values; opens nothing.
  static void validate(std::string_view uri_text, std::vector<std::pair<std::string, std::string>> settings = {}) {
    const sink checked(typename sink::validate_only{}, parse_uri(uri_text), std::move(settings));
  }

  // `auto s = order_sinks::open(uri)`: the sink is built in place (a composed sink does not move).
  static sink open(std::string_view uri_text, open_options opts = {}) { return sink(uri_text, std::move(opts)); }

  // A sink per URI of a comma-separated list (a comma inside a URI is written %2C), opened in
  // order; the first that fails throws and the ones before it are closed by their destructors.
  static std::deque<sink> open_list(std::string_view list, const open_options& opts = {}) {
    std::deque<sink> out;
    std::size_t n = 0;
    for (;;) {
      const std::size_t comma = list.find(',');
      std::string_view one = list.substr(0, comma);
      while (!one.empty() && (one.front() == ' ' || one.front() == '\t')) one.remove_prefix(1);
      while (!one.empty() && (one.back() == ' ' || one.back() == '\t')) one.remove_suffix(1);
      ++n;
      if (one.empty())
        throw config_error("sinks", sinkforge::detail::concat({"entry ", std::to_string(n),
                                                               " of the list is empty (URIs are separated by one ',')"}));
      out.emplace_back(one, opts);
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
    return out;
  }

  // The sinks the environment variable `var` lists (SINKFORGE_SINKS by default); none when unset.
  static std::deque<sink> from_env(const char* var = "SINKFORGE_SINKS", const open_options& opts = {}) {
    const char* list = std::getenv(var);
    if (!list) return {};
    try {
      return open_list(list, opts);
    } catch (const config_error& e) {
      throw config_error(var, e.what() + std::string_view("sinkforge: invalid configuration: ").size());
    }
  }

  // Whether `name` is one of the schemes' names or aliases.
  static constexpr bool knows(std::string_view name) noexcept { return (scheme_named<Schemes>(name) || ...); }
};

}  // namespace sinkforge::inline v1::registry
