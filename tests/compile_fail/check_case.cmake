# Compiles one case of a compile-fail source and checks the result against the expectation stated
# in the source right after the case's `#if defined(CASE_<name>)`:
#   // expect: compiles          the compiler must exit with 0
#   // expect error: <regex>     the compiler must exit non-zero and print <regex> in a static_assert
#                                diagnostic (GCC: "static assertion failed: <text>", Clang 14:
#                                "static_assert failed ... \"<text>\"", Clang 15+: "static assertion
#                                failed ...: <text>")
#
# cmake -DCOMPILER=<c++> -DSOURCE=<file> -DCASE=<name> -DINCLUDE_DIRS=<a|b|...>
#       [-DIMPLICIT_DIRS=<a|b|...>] [-DFLAGS=<a|b|...>] -P check_case.cmake
# or, to precompile the header every case includes: -DPCH_OUT=<file> -DSOURCE=<header> (no -DCASE).
# Directories are separated by '|'. Those in IMPLICIT_DIRS (the compiler's own, e.g. /usr/include)
# are not passed with -I, as CMake does for targets: -I/usr/include can hide libstdc++'s wrappers.
cmake_minimum_required(VERSION 3.20)

foreach(var COMPILER SOURCE INCLUDE_DIRS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_case.cmake: -D${var}=... is required")
  endif()
endforeach()


include(${CMAKE_CURRENT_LIST_DIR}/../cmake/compiler_checks.cmake)
sinkforge_include_flags(include_flags)
string(REPLACE "|" ";" extra_flags "${FLAGS}")

# With -DPCH_OUT=<file>: precompile SOURCE (a header) with the flags every case uses, and stop.
if(DEFINED PCH_OUT)
  execute_process(COMMAND "${COMPILER}" -std=c++20 -x c++-header ${extra_flags} ${include_flags} "${SOURCE}"
                          -o "${PCH_OUT}" RESULT_VARIABLE status ERROR_VARIABLE output)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "precompiling ${SOURCE} failed:\n${output}")
  endif()
  return()
endif()
if(NOT DEFINED CASE)
  message(FATAL_ERROR "check_case.cmake: -DCASE=... is required")
endif()

file(READ "${SOURCE}" text)
string(REGEX MATCH "#if defined\\(CASE_${CASE}\\)[ \t]*\n// expect(: compiles| error: [^\n]+)\n((// and: [^\n]+\n)*)" block "${text}")
if(NOT block)
  message(FATAL_ERROR "${SOURCE}: no `#if defined(CASE_${CASE})` followed by an `// expect` line")
endif()
set(expect "${CMAKE_MATCH_1}")
set(also_lines "${CMAKE_MATCH_2}")

set(command "${COMPILER}" -std=c++20 -fsyntax-only -fdiagnostics-color=never ${extra_flags} ${include_flags}
            "-DCASE_${CASE}" "${SOURCE}")
execute_process(COMMAND ${command} RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE output)
list(JOIN command " " command_line)

if(expect STREQUAL ": compiles")
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "case ${CASE} must compile, but the compiler exited with ${status}\n"
                        "command: ${command_line}\n${output}")
  endif()
  message(STATUS "case ${CASE}: compiles")
  return()
endif()

string(REGEX REPLACE "^ error: " "" regex "${expect}")
sinkforge_require_sole_static_assert("case ${CASE}" "${status}" "${output}" "${command_line}")
# Clang prints the failed condition before the text, over several lines when the condition does.
if(NOT output MATCHES "static[ _]assert(ion)? failed.*${regex}")
  message(FATAL_ERROR "case ${CASE} failed to compile as it must, but no static_assert message matches\n"
                      "  ${regex}\ncommand: ${command_line}\n${output}")
endif()
string(REGEX MATCHALL "// and: [^\n]+" also "${also_lines}")
foreach(line IN LISTS also)
  string(REGEX REPLACE "^// and: " "" also_regex "${line}")
  if(NOT output MATCHES "${also_regex}")
    message(FATAL_ERROR "case ${CASE}: the output does not match `${also_regex}`\n"
                        "command: ${command_line}\n${output}")
  endif()
endforeach()
string(REGEX MATCHALL "\n" newlines "${output}")
list(LENGTH newlines output_lines)
# Short: the message, the line of the program that caused it, and a few lines of context.
if(output_lines GREATER 25)
  message(FATAL_ERROR "case ${CASE}: ${output_lines} lines of diagnostics; a rejected composition must "
                      "print at most 25\ncommand: ${command_line}\n${output}")
endif()
message(STATUS "case ${CASE}: rejected with one static_assert matching `${regex}` (${output_lines} lines)")
