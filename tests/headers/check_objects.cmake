# Checks that the sinkforge_header_check build covered every public header present now, each with
# an object compiled after the header's last change.
# cmake -DINCLUDE_ROOT=<include dir> -DWITH_SQLITE=ON|OFF -DWITH_POSTGRES=ON|OFF -DOBJECTS=<a.o|b.o|...>
#       -P check_objects.cmake
cmake_minimum_required(VERSION 3.20)

file(GLOB_RECURSE headers RELATIVE ${INCLUDE_ROOT} ${INCLUDE_ROOT}/sinkforge/*.hpp)
if(NOT WITH_SQLITE)
  list(REMOVE_ITEM headers sinkforge/transport/sqlite.hpp sinkforge/checkpoint/sqlite_store.hpp)
endif()
if(NOT WITH_POSTGRES)
  list(FILTER headers EXCLUDE REGEX "postgres")
endif()
list(SORT headers)
string(REPLACE "|" ";" objects "${OBJECTS}")

set(problems)
foreach(header IN LISTS headers)
  string(REGEX REPLACE "\\.hpp$" ".cpp" unit "${header}")
  set(found "")
  foreach(object IN LISTS objects)
    string(FIND "${object}" "/generated/${unit}." at REVERSE)
    if(NOT at EQUAL -1)
      set(found "${object}")
      break()
    endif()
  endforeach()
  if(NOT found)
    list(APPEND problems "${header}: no unit (added since CMake last ran: build again)")
  elseif(NOT EXISTS "${found}")
    list(APPEND problems "${header}: not compiled (${found} is missing: build sinkforge_header_check)")
  elseif(NOT "${found}" IS_NEWER_THAN "${INCLUDE_ROOT}/${header}")
    # IS_NEWER_THAN is also true for equal times, so only a strictly newer header lands here.
    list(APPEND problems "${header}: changed since its unit was compiled: build again")
  endif()
endforeach()

list(LENGTH headers header_count)
list(LENGTH objects object_count)
if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "header check incomplete:\n  ${text}")
endif()
message(STATUS "${header_count} headers, each compiled on its own (${object_count} units)")
