# Warning and sanitizer flags for the project's own tests, examples and benchmarks (never for users).
# sinkforge_warning_options: the warnings alone, for units that are compiled but never run.
add_library(sinkforge_warning_options INTERFACE)
target_compile_options(sinkforge_warning_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
  -Wno-sign-conversion $<$<BOOL:${SINKFORGE_WERROR}>:-Werror>)
add_library(sinkforge_project_options INTERFACE)
target_link_libraries(sinkforge_project_options INTERFACE sinkforge_warning_options)
if(SINKFORGE_SANITIZE)
  target_compile_options(sinkforge_project_options INTERFACE -fsanitize=${SINKFORGE_SANITIZE} -fno-omit-frame-pointer
    -fno-sanitize-recover=all)
  target_link_options(sinkforge_project_options INTERFACE -fsanitize=${SINKFORGE_SANITIZE})
endif()
# In the sanitizer builds libstdc++ checks its own preconditions too (an index within size() for
# operator[], a non-empty container for front() and back(), ...): an index past size() but within
# capacity() reads memory AddressSanitizer considers valid. On every unit there, run or not, so that
# the precompiled headers match.
if(SINKFORGE_SANITIZE)
  target_compile_definitions(sinkforge_warning_options INTERFACE _GLIBCXX_ASSERTIONS)
endif()
