# cmake --install, then find_package(sinkforge CONFIG REQUIRED) and sinkforge::sinkforge.
include(CMakePackageConfigHelpers)

install(DIRECTORY include/sinkforge DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS sinkforge EXPORT sinkforge-targets)
install(EXPORT sinkforge-targets NAMESPACE sinkforge:: FILE sinkforge-targets.cmake
        DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/sinkforge)
if(TARGET sinkforge_sqlite)
  install(TARGETS sinkforge_sqlite EXPORT sinkforge-sqlite-targets)
  install(EXPORT sinkforge-sqlite-targets NAMESPACE sinkforge:: FILE sinkforge-sqlite-targets.cmake
          DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/sinkforge)
endif()

if(TARGET sinkforge_postgres)
  install(TARGETS sinkforge_postgres EXPORT sinkforge-postgres-targets)
  install(EXPORT sinkforge-postgres-targets NAMESPACE sinkforge:: FILE sinkforge-postgres-targets.cmake
          DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/sinkforge)
endif()

if(TARGET sinkforge_toml)
  install(TARGETS sinkforge_toml EXPORT sinkforge-toml-targets)
  install(EXPORT sinkforge-toml-targets NAMESPACE sinkforge:: FILE sinkforge-toml-targets.cmake
          DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/sinkforge)
endif()

configure_package_config_file(cmake/sinkforge-config.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/sinkforge-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/sinkforge)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/sinkforge-config-version.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/sinkforge-config.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/sinkforge-config-version.cmake
              ${CMAKE_CURRENT_SOURCE_DIR}/cmake/sinkforge-components.cmake
        DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/sinkforge)
