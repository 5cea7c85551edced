// Policy families and the opt-in tag every policy carries.
#pragma once
#include <concepts>
#include <type_traits>

#include <sinkforge/config.hpp>

namespace sinkforge::inline v1 {

// A policy names its family with `using policy_family = family::X;`. The tag is opt-in so that no
// type models a policy concept by accident, and it is how make_sink sorts arguments given in any order.
namespace family {
struct transport {};
struct serializer {};
struct batching {};
struct retry {};
struct delivery {};
struct partition {};
struct concurrency {};
struct metrics {};
struct dead_letter {};
struct clock {};
struct error_handler {};
struct restore {};  // not a policy: the state a sink restores (sf::restore)
}  // namespace family

template <class P>
concept policy = requires { typename std::remove_cvref_t<P>::policy_family; };

template <class P, class Family>
concept policy_of =
    policy<P> && std::same_as<typename std::remove_cvref_t<P>::policy_family, Family>;

}  // namespace sinkforge::inline v1
