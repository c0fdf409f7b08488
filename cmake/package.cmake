# `cpack -G DEB` in the build folder: one Debian package with everything `cmake --install`
# puts under /usr (the CLI, libvivid, the header, the CMake package, the pkg-config file, the
# Python module in /usr/lib/python3/dist-packages), its Depends computed by dpkg-shlibdeps from
# the shared libraries the binaries link, and the man page vivid(1) made from the CLI's --help.
find_program(VIVID_HELP2MAN help2man)
if(VIVID_HELP2MAN AND NOT VIVID_SANITIZE)
  set(VIVID_MAN_PAGE ${CMAKE_BINARY_DIR}/man/vivid.1.gz)
  add_custom_command(OUTPUT ${VIVID_MAN_PAGE}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${CMAKE_COMMAND} -DVIVID=$<TARGET_FILE:vivid_cli> -DOUTPUT=${VIVID_MAN_PAGE}
            -P ${CMAKE_SOURCE_DIR}/cmake/man_page.cmake
    DEPENDS vivid_cli ${CMAKE_SOURCE_DIR}/cmake/man_page.cmake
    COMMENT "Writing the man page vivid(1) from vivid --help" VERBATIM)
  add_custom_target(vivid_man_page ALL DEPENDS ${VIVID_MAN_PAGE})
  install(FILES ${VIVID_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

set(CPACK_PACKAGE_NAME vivid)
set(CPACK_PACKAGE_VENDOR "the vivid authors")
set(CPACK_PACKAGE_CONTACT "vivid maintainers <vivid@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "convert, verify and run ViViT and VideoMAE video transformers on a CPU")
set(CPACK_PACKAGE_DESCRIPTION "vivid converts original ViViT (Scenic/Flax) and VideoMAE checkpoints into
Hugging Face model folders, verifies them, and runs them from a video file to labels: a CLI
(vivid classify, features, timeline, serve with a web page ...), the shared library libvivid
with its header, CMake package and pkg-config file, and the Python module `vivid`.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # vivid_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libvivid itself is in the package: dpkg-shlibdeps finds it here rather than asking for a package.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR})
if(VIVID_PYTHON AND NOT VIVID_SANITIZE)
  # The module needs its interpreter's minor version and numpy, which no shared library names.
  math(EXPR next_minor "${Python3_VERSION_MINOR} + 1")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "python3 (>= 3.${Python3_VERSION_MINOR}), python3 (<< 3.${next_minor}), python3-numpy")
endif()
include(CPack)
