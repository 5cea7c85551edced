# Checks the components a find_package(sinkforge ...) call asks for. Included at the end of the
# installed package's sinkforge-config.cmake and, as a build module, of the config file Conan's
# CMakeDeps generates, so both reject the same names the same way.
#
# A component is found when its target, sinkforge::<name>, exists. A name that is not missing but
# unknown (a typo) under COMPONENTS sets sinkforge_FOUND to FALSE with a message naming it, whether
# or not find_package was called REQUIRED; under OPTIONAL_COMPONENTS any missing component, unknown
# ones included, is only reported not found, as CMake's check_required_components does: a program
# may ask for a component that only a later sinkforge provides.
set(_sinkforge_known sqlite postgres toml)
foreach(_sinkforge_c IN LISTS ${CMAKE_FIND_PACKAGE_NAME}_FIND_COMPONENTS)
  list(FIND _sinkforge_known "${_sinkforge_c}" _sinkforge_at)
  if(_sinkforge_at GREATER -1 AND TARGET sinkforge::${_sinkforge_c})
    set(${CMAKE_FIND_PACKAGE_NAME}_${_sinkforge_c}_FOUND TRUE)
    continue()
  endif()
  set(${CMAKE_FIND_PACKAGE_NAME}_${_sinkforge_c}_FOUND FALSE)
  if(NOT ${CMAKE_FIND_PACKAGE_NAME}_FIND_REQUIRED_${_sinkforge_c})
    continue()
  endif()
  set(${CMAKE_FIND_PACKAGE_NAME}_FOUND FALSE)
  if(_sinkforge_at EQUAL -1)
    string(REPLACE ";" ", " _sinkforge_list "${_sinkforge_known}")
    string(APPEND ${CMAKE_FIND_PACKAGE_NAME}_NOT_FOUND_MESSAGE
           "unknown component \"${_sinkforge_c}\" (sinkforge's components: ${_sinkforge_list}). ")
  else()
    string(TOUPPER "${_sinkforge_c}" _sinkforge_upper)
    string(APPEND ${CMAKE_FIND_PACKAGE_NAME}_NOT_FOUND_MESSAGE
           "component \"${_sinkforge_c}\" is not in this sinkforge: it was built without it "
           "(CMake: -DSINKFORGE_WITH_${_sinkforge_upper}=ON; Conan: -o sinkforge/*:with_${_sinkforge_c}=True). ")
  endif()
endforeach()
unset(_sinkforge_known)
unset(_sinkforge_c)
unset(_sinkforge_at)
unset(_sinkforge_list)
unset(_sinkforge_upper)
