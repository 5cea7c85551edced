// sinkforge: compile-time composed data-pipeline sinks.
// Project-wide macros and the versioned namespace.
#pragma once

#define SINKFORGE_VERSION_MAJOR 0
#define SINKFORGE_VERSION_MINOR 1
#define SINKFORGE_VERSION_PATCH 0

// Empty policies must cost no storage; a member attribute keeps their names out of the sink's bases.
#if defined(_MSC_VER) && !defined(__clang__)
#define SINKFORGE_NO_UNIQUE_ADDRESS [[msvc::no_unique_address]]
#else
#define SINKFORGE_NO_UNIQUE_ADDRESS [[no_unique_address]]
#endif

// Hot-path helpers that must inline whatever the optimizer thinks of the caller's size, and their
// rarely taken slow paths that must not.
#if defined(_MSC_VER) && !defined(__clang__)
#define SINKFORGE_ALWAYS_INLINE __forceinline
#define SINKFORGE_COLD __declspec(noinline)
#else
#define SINKFORGE_ALWAYS_INLINE [[gnu::always_inline]] inline
#define SINKFORGE_COLD [[gnu::noinline, gnu::cold]]
#endif

#if defined(__GNUC__) || defined(__clang__)
#define SINKFORGE_LIKELY(x) __builtin_expect(!!(x), 1)
#define SINKFORGE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define SINKFORGE_LIKELY(x) (x)
#define SINKFORGE_UNLIKELY(x) (x)
#endif

// All public names live in sinkforge::v1; the inline namespace lets a future ABI coexist.
namespace sinkforge::inline v1 {}
