# What the scripts that run the compiler themselves share (compile_fail/check_case.cmake,
# docs/check_page.cmake): the include flags, and the check that a unit was rejected by one
# sinkforge static_assert and nothing else.

# -I flags for the '|'-separated INCLUDE_DIRS, without those in IMPLICIT_DIRS (the compiler's own,
# e.g. /usr/include, which CMake never passes with -I either: it can hide libstdc++'s wrappers).
function(sinkforge_include_flags out)
  string(REPLACE "|" ";" implicit "${IMPLICIT_DIRS}")
  string(REPLACE "|" ";" dirs "${INCLUDE_DIRS}")
  set(flags)
  foreach(dir IN LISTS dirs)
    if(dir AND NOT dir IN_LIST implicit AND NOT "-I${dir}" IN_LIST flags)
      list(APPEND flags "-I${dir}")
    endif()
  endforeach()
  set(${out} ${flags} PARENT_SCOPE)
endfunction()

# Fails (naming `where`) unless the compiler ran, rejected the unit, and printed exactly one error,
# a static_assert of sinkforge's: a program that goes on to use a rejected sink must not bury the
# message under errors about the sink's members.
function(sinkforge_require_sole_static_assert where status output command_line)
  if(status EQUAL 0)
    message(FATAL_ERROR "${where} compiles, but must not\ncommand: ${command_line}\n${output}")
  endif()
  if(NOT status MATCHES "^[0-9]+$")
    message(FATAL_ERROR "${where}: the compiler did not run (${status})\ncommand: ${command_line}")
  endif()
  string(REPLACE ";" "," listable "${output}")  # a ';' in a message would split the list
  string(REGEX MATCHALL "[^\n]*: error: [^\n]*" errors "${listable}")
  list(LENGTH errors error_count)
  if(error_count EQUAL 0)
    message(FATAL_ERROR "${where} failed without an error line\ncommand: ${command_line}\n${output}")
  endif()
  list(GET errors 0 first_error)
  if(NOT first_error MATCHES "static[ _]assert(ion)? failed" OR NOT output MATCHES "sinkforge")
    message(FATAL_ERROR "${where}: the first error is not sinkforge's static_assert:\n  ${first_error}\n"
                        "command: ${command_line}\n${output}")
  endif()
  if(NOT error_count EQUAL 1)
    message(FATAL_ERROR "${where}: ${error_count} errors; the static_assert must be the only one\n"
                        "command: ${command_line}\n${output}")
  endif()
endfunction()
