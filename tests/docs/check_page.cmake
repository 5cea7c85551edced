# Compiles every C++ block of one Markdown page, as a reader would paste it. A block's info string
# says how:
#   ```cpp                 code at namespace scope: #includes, declarations, whole programs
#   ```cpp fragment        statements: compiled inside a function body; its #include lines go to
#                          namespace scope
#   ```cpp compile-error   a fragment that must NOT compile: the compiler's first error must be a
#                          sinkforge static_assert, and the only error; each `// error: <text>` line
#                          in the block is text the output must contain
#   ```cpp prelude         what every example assumes (docs/README.md): namespace-scope code
# Any other info string starting with cpp, c++ or cxx is an error, so no C++ block goes unchecked.
#
# The `cpp prelude` block of PRELUDE_PAGE comes first, unless the page defines `Order` itself. Then
# the page's `cpp` blocks in order, then its fragments, one function each: all in one unit. A
# `main` is renamed so that several programs share the unit. Each compile-error block is a unit of
# its own (the prelude, then the block). `#line` directives point diagnostics at the page.
#
# cmake -DCOMPILER=<c++> -DPAGE=<file.md> -DPRELUDE_PAGE=<file.md> -DOUTPUT_DIR=<dir>
#       -DINCLUDE_DIRS=<a|b|...> [-DIMPLICIT_DIRS=<a|b|...>] [-DPRELUDE_FLAGS=<a|b|...>] -P check_page.cmake
# PRELUDE_FLAGS: compiler flags that bring in the prelude precompiled (e.g. -include|<header>), in
# place of its text at the top of each unit: the same code in the same place, parsed once.
# cmake -DPRELUDE_PAGE=<file.md> -DPRELUDE_OUT=<header> -P check_page.cmake  writes the prelude
# as a header, to be precompiled, and stops.
cmake_minimum_required(VERSION 3.20)
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/compiler_checks.cmake)

set(required COMPILER PAGE PRELUDE_PAGE OUTPUT_DIR INCLUDE_DIRS)
if(DEFINED PRELUDE_OUT)
  set(required PRELUDE_PAGE)
endif()
foreach(var IN LISTS required)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_page.cmake: -D${var}=... is required")
  endif()
endforeach()

# Splits `page` into its C++ blocks. Sets, in the caller's scope, <prefix>_count and for each block
# i (from 0) <prefix>_<i>_kind (namespace, fragment, compile_error, prelude), <prefix>_<i>_line
# (the page's line number of the block's first line) and <prefix>_<i>_body.
function(read_blocks page prefix)
  file(READ "${page}" text)
  set(text "\n${text}")
  set(consumed_lines 0)  # lines of the page before `text` (which starts with a "\n" of its own)
  set(count 0)
  while(TRUE)
    string(FIND "${text}" "\n```" open)
    if(open EQUAL -1)
      break()
    endif()
    # The opening fence's line number, and its info string.
    string(SUBSTRING "${text}" 0 ${open} before)
    string(REGEX MATCHALL "\n" newlines "${before}")
    list(LENGTH newlines n)
    math(EXPR fence_line "${consumed_lines} + ${n} + 1")
    math(EXPR info_at "${open} + 4")
    string(SUBSTRING "${text}" ${info_at} -1 rest)
    string(FIND "${rest}" "\n" eol)
    if(eol EQUAL -1)
      message(FATAL_ERROR "${page}:${fence_line}: a code fence that is never closed")
    endif()
    string(SUBSTRING "${rest}" 0 ${eol} info)
    string(STRIP "${info}" info)
    string(SUBSTRING "${rest}" ${eol} -1 rest)  # starts with the "\n" ending the fence line
    string(FIND "${rest}" "\n```" close)
    if(close EQUAL -1)
      message(FATAL_ERROR "${page}:${fence_line}: the code fence (${info}) is never closed")
    endif()
    string(SUBSTRING "${rest}" 0 ${close} body)
    string(REGEX REPLACE "^\n" "" body "${body}")
    # Move past the closing fence's line.
    math(EXPR after "${close} + 4")
    string(SUBSTRING "${rest}" ${after} -1 tail)
    string(FIND "${tail}" "\n" tail_eol)
    if(tail_eol EQUAL -1)
      set(tail "")
    else()
      string(SUBSTRING "${tail}" ${tail_eol} -1 tail)
    endif()
    string(SUBSTRING "${rest}" 0 ${close} block_text)
    string(REGEX MATCHALL "\n" block_newlines "${block_text}")
    list(LENGTH block_newlines block_lines)
    # The closing fence's line: fence_line + block_lines + 1; `tail` starts with the "\n" ending it.
    math(EXPR consumed_lines "${fence_line} + ${block_lines}")
    set(text "${tail}")

    string(TOLOWER "${info}" lower)
    set(kind "")
    if(lower STREQUAL "cpp")
      set(kind namespace)
    elseif(lower STREQUAL "cpp fragment")
      set(kind fragment)
    elseif(lower STREQUAL "cpp compile-error")
      set(kind compile_error)
    elseif(lower STREQUAL "cpp prelude")
      set(kind prelude)
    elseif(lower MATCHES "^(cpp|c\\+\\+|cxx|hpp|cc)([ {]|$)")
      message(FATAL_ERROR "${page}:${fence_line}: unknown C++ block kind `${info}`; use cpp, cpp fragment, "
                          "cpp compile-error or cpp prelude")
    endif()
    if(kind)
      set(${prefix}_${count}_kind ${kind} PARENT_SCOPE)
      math(EXPR first_line "${fence_line} + 1")
      set(${prefix}_${count}_line ${first_line} PARENT_SCOPE)
      set(${prefix}_${count}_body "${body}" PARENT_SCOPE)
      math(EXPR count "${count} + 1")
    endif()
  endwhile()
  set(${prefix}_count ${count} PARENT_SCOPE)
endfunction()

# The compiler command for `source`, in `command` in the caller's scope.
function(compile_command source)
  sinkforge_include_flags(include_flags)
  set(command "${COMPILER}" -std=c++20 -fsyntax-only -fdiagnostics-color=never ${prelude_flags} ${include_flags}
      "${source}" PARENT_SCOPE)
endfunction()

read_blocks("${PRELUDE_PAGE}" pre)

set(prelude "")
foreach(i RANGE ${pre_count})
  if(i LESS pre_count AND pre_${i}_kind STREQUAL "prelude")
    set(prelude "#line ${pre_${i}_line} \"${PRELUDE_PAGE}\"\n${pre_${i}_body}\n")
  endif()
endforeach()
if(NOT prelude)
  message(FATAL_ERROR "${PRELUDE_PAGE}: no ```cpp prelude block")
endif()
if(DEFINED PRELUDE_OUT)
  file(WRITE "${PRELUDE_OUT}.new" "// Generated by check_page.cmake from ${PRELUDE_PAGE}\n#pragma once\n${prelude}")
  # Rewritten only when the text changes, so the precompiled header is not rebuilt for nothing.
  file(COPY_FILE "${PRELUDE_OUT}.new" "${PRELUDE_OUT}" ONLY_IF_DIFFERENT)
  file(REMOVE "${PRELUDE_OUT}.new")
  return()
endif()

get_filename_component(page_name "${PAGE}" NAME)
read_blocks("${PAGE}" page)

set(defines_order FALSE)
set(namespace_code "")
set(fragment_code "")
set(hoisted "")
set(errors_at "")
set(counts_namespace 0)
set(counts_fragment 0)
set(counts_error 0)
if(page_count GREATER 0)
  math(EXPR last "${page_count} - 1")
  foreach(i RANGE ${last})
    set(kind ${page_${i}_kind})
    set(line ${page_${i}_line})
    set(body "${page_${i}_body}")
    if(body MATCHES "BOOST_HANA_DEFINE_STRUCT\\(Order[ \t\n]*,")
      set(defines_order TRUE)
    endif()
    # Several programs share one unit.
    string(REGEX REPLACE "(^|[^A-Za-z0-9_:])main\\(" "\\1docs_main_${i}(" body "${body}")
    if(kind STREQUAL "namespace" OR kind STREQUAL "prelude")
      string(APPEND namespace_code "#line ${line} \"${PAGE}\"\n${body}\n")
      math(EXPR counts_namespace "${counts_namespace} + 1")
    elseif(kind STREQUAL "fragment" OR kind STREQUAL "compile_error")
      string(REGEX MATCHALL "(^|\n)[ \t]*#[ \t]*include[^\n]*" includes "${body}")
      set(block_includes "")
      foreach(inc IN LISTS includes)
        string(STRIP "${inc}" inc)
        string(APPEND block_includes "${inc}\n")
      endforeach()
      # The #include lines leave an empty line, so the line numbers still match the page.
      string(REGEX REPLACE "(^|\n)[ \t]*#[ \t]*include[^\n]*" "\\1" body "${body}")
      if(kind STREQUAL "fragment")
        string(APPEND hoisted "${block_includes}")
        string(APPEND fragment_code "void docs_fragment_${i}() {\n#line ${line} \"${PAGE}\"\n${body}\n}\n")
        math(EXPR counts_fragment "${counts_fragment} + 1")
      else()
        set(error_${i}_includes "${block_includes}")
        set(error_${i}_code "void docs_compile_error_${i}() {\n#line ${line} \"${PAGE}\"\n${body}\n}\n")
        list(APPEND errors_at ${i})
        math(EXPR counts_error "${counts_error} + 1")
      endif()
    endif()
  endforeach()
endif()

string(REPLACE "|" ";" prelude_flags "${PRELUDE_FLAGS}")
get_filename_component(page_path "${PAGE}" REALPATH)
get_filename_component(prelude_page_path "${PRELUDE_PAGE}" REALPATH)
if(defines_order OR page_path STREQUAL prelude_page_path)
  # The page brings its own Order, or is the prelude's own page (whose prelude block is in its text).
  set(prelude_flags "")
endif()
if(defines_order OR prelude_flags)
  set(prelude "")
endif()
file(MAKE_DIRECTORY "${OUTPUT_DIR}")
string(REGEX REPLACE "[^A-Za-z0-9_]" "_" stem "${page_name}")

math(EXPR compiled "${counts_namespace} + ${counts_fragment}")
if(compiled GREATER 0)
  set(source "${OUTPUT_DIR}/${stem}.cpp")
  file(WRITE "${source}" "// Generated by check_page.cmake from ${PAGE}\n${prelude}${hoisted}${namespace_code}${fragment_code}")
  compile_command("${source}")
  execute_process(COMMAND ${command} RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT status EQUAL 0)
    list(JOIN command " " command_line)
    message(FATAL_ERROR "${PAGE}: its C++ blocks do not compile\ncommand: ${command_line}\n${output}")
  endif()
endif()

foreach(i IN LISTS errors_at)
  set(line ${page_${i}_line})
  set(source "${OUTPUT_DIR}/${stem}.error_${line}.cpp")
  file(WRITE "${source}" "// Generated by check_page.cmake from ${PAGE}\n${prelude}${error_${i}_includes}${error_${i}_code}")
  compile_command("${source}")
  execute_process(COMMAND ${command} RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE output)
  list(JOIN command " " command_line)
  sinkforge_require_sole_static_assert("${PAGE}:${line}: the compile-error block" "${status}" "${output}"
                                       "${command_line}")
  string(REGEX MATCHALL "// error: [^\n]+" expected "${page_${i}_body}")
  foreach(e IN LISTS expected)
    string(REGEX REPLACE "^// error: " "" e "${e}")
    string(STRIP "${e}" e)
    string(FIND "${output}" "${e}" found)
    if(found EQUAL -1)
      message(FATAL_ERROR "${PAGE}:${line}: the compile-error block: the compiler output lacks `${e}`\ncommand: ${command_line}\n${output}")
    endif()
  endforeach()
endforeach()

message(STATUS "${page_name}: ${counts_namespace} namespace-scope block(s) and ${counts_fragment} fragment(s) "
               "compile; ${counts_error} compile-error block(s) fail as they must")
