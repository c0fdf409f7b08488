# `cmake --install`: the shared library, the one public header, the CLI, a CMake package
# (find_package(vivid 0.1) -> vivid::vivid) and a pkg-config file (pkg-config vivid).
include(CMakePackageConfigHelpers)

install(TARGETS vivid EXPORT vividTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${CMAKE_SOURCE_DIR}/include/vivid/vivid.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vivid)
install(TARGETS vivid_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(VIVID_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/vivid)
install(EXPORT vividTargets NAMESPACE vivid:: DESTINATION ${VIVID_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/vividConfig.cmake.in
  ${CMAKE_BINARY_DIR}/vividConfig.cmake INSTALL_DESTINATION ${VIVID_CMAKE_DIR})
# 0.x: a minor version may change the API, so only the same minor version is compatible.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/vividConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/vividConfig.cmake ${CMAKE_BINARY_DIR}/vividConfigVersion.cmake
  DESTINATION ${VIVID_CMAKE_DIR})

file(RELATIVE_PATH VIVID_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
configure_file(${CMAKE_SOURCE_DIR}/cmake/vivid.pc.in ${CMAKE_BINARY_DIR}/vivid.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/vivid.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
