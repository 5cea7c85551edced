# cmake -P driver for the packaging checks. Every mode starts from an empty directory.
#
#   -DMODE=install-tree   -DBUILD_TREE=<configured sinkforge build> -DPREFIX=<prefix>
#       cmake --install the build tree into PREFIX.
#   -DMODE=install-source -DSOURCE_DIR=<sinkforge> -DBINARY_DIR=<dir> -DPREFIX=<prefix> [-DARGS=...]
#       configure sinkforge on its own (with ARGS) into BINARY_DIR and install it into PREFIX.
#   -DMODE=consumer       -DSOURCE_DIR=<consumer project> -DBINARY_DIR=<dir> [-DARGS=...]
#       configure, build and test (ctest) a consumer project.
#   -DMODE=configure-fails -DSOURCE_DIR=<consumer project> -DBINARY_DIR=<dir> -DEXPECT=<regex> [-DARGS=...]
#       configuring the consumer project must fail, with output that matches EXPECT.
#
# Toolchain of the outer build: -DGENERATOR=... [-DGENERATOR_PLATFORM=...] [-DGENERATOR_TOOLSET=...]
# [-DMAKE_PROGRAM=...] -DCXX_COMPILER=... [-DCXX_COMPILER_LAUNCHER=...] [-DBUILD_TYPE=...]
# [-DCONFIG=...] -DCTEST_COMMAND=... [-DJOBS=2]. ARGS is a ;-separated list of -D options.
cmake_minimum_required(VERSION 3.20)

function(require)
  foreach(v IN LISTS ARGN)
    if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
      message(FATAL_ERROR "run_consumer.cmake (MODE=${MODE}): ${v} is not set")
    endif()
  endforeach()
endfunction()

function(run what)
  string(REPLACE ";" " " shown "${ARGN}")
  message(STATUS "${what}: ${shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc})")
  endif()
endfunction()

set(_config)
if(CONFIG)
  set(_config --config "${CONFIG}")
endif()

if(MODE STREQUAL "install-tree")
  require(BUILD_TREE PREFIX)
  file(REMOVE_RECURSE "${PREFIX}")
  run("install" "${CMAKE_COMMAND}" --install "${BUILD_TREE}" --prefix "${PREFIX}" ${_config})
elseif(MODE STREQUAL "install-source" OR MODE STREQUAL "consumer" OR MODE STREQUAL "configure-fails")
  require(SOURCE_DIR BINARY_DIR GENERATOR CXX_COMPILER)
  set(configure -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
  if(GENERATOR_PLATFORM)
    list(APPEND configure -A "${GENERATOR_PLATFORM}")
  endif()
  if(GENERATOR_TOOLSET)
    list(APPEND configure -T "${GENERATOR_TOOLSET}")
  endif()
  if(MAKE_PROGRAM)
    list(APPEND configure "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
  endif()
  if(CXX_COMPILER_LAUNCHER)
    list(APPEND configure "-DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_COMPILER_LAUNCHER}")
  endif()
  if(BUILD_TYPE)
    list(APPEND configure "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
  endif()
  # Only the prefixes given in ARGS: never a package from the user's or the system's registry.
  list(APPEND configure -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)

  file(REMOVE_RECURSE "${BINARY_DIR}")
  if(MODE STREQUAL "configure-fails")
    require(EXPECT)
    execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${BINARY_DIR}" ${configure} ${ARGS}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    message("${out}")
    if(rc EQUAL 0)
      message(FATAL_ERROR "configuring ${SOURCE_DIR} succeeded; it must fail")
    endif()
    if(NOT out MATCHES "${EXPECT}")
      message(FATAL_ERROR "configuring ${SOURCE_DIR} failed, but its output does not match: ${EXPECT}")
    endif()
    message(STATUS "configuring failed as expected (${EXPECT})")
    return()
  endif()
  run("configure" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${BINARY_DIR}" ${configure} ${ARGS})
  if(MODE STREQUAL "install-source")
    require(PREFIX)
    file(REMOVE_RECURSE "${PREFIX}")
    run("install" "${CMAKE_COMMAND}" --install "${BINARY_DIR}" --prefix "${PREFIX}" ${_config})
  else()
    require(CTEST_COMMAND)
    if(NOT JOBS)
      set(JOBS 2)
    endif()
    run("build" "${CMAKE_COMMAND}" --build "${BINARY_DIR}" --parallel ${JOBS} ${_config})
    set(ctest_config)
    if(CONFIG)
      set(ctest_config -C "${CONFIG}")
    endif()
    run("test" "${CTEST_COMMAND}" --test-dir "${BINARY_DIR}" --output-on-failure --no-tests=error ${ctest_config})
  endif()
else()
  message(FATAL_ERROR "run_consumer.cmake: MODE must be install-tree, install-source, consumer or configure-fails")
endif()

if(DEFINED PREFIX AND NOT EXISTS "${PREFIX}/share/cmake/sinkforge/sinkforge-config.cmake")
  message(FATAL_ERROR "no share/cmake/sinkforge/sinkforge-config.cmake under ${PREFIX}")
endif()
