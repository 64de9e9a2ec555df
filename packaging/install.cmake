# What `cmake --install` puts under the prefix, and the Debian package
# `cpack -G DEB` makes of it (docs/ci.md, README "Installing").
include(GNUInstallDirs)
# cpack and `make install` package what is built and never build it themselves: the
# package test runs while other tests use the binary.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

install(TARGETS vtdsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# README.md beside docs/, so the README's links work where it is installed.
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(DIRECTORY scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/vtdsim/scenarios)
install(FILES packaging/vtdsim.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME vtdsim)

# The man page, from the help text of the binary just linked: made whenever
# vtdsim is (so building only the vtdsim target still installs completely).
find_program(HELP2MAN help2man)
if(HELP2MAN)
  add_custom_command(TARGET vtdsim POST_BUILD
    COMMAND sh ${PROJECT_SOURCE_DIR}/packaging/manpage.sh $<TARGET_FILE:vtdsim> ${PROJECT_VERSION}
            ${PROJECT_BINARY_DIR}/vtdsim.1.gz
    COMMENT "Generating the man page vtdsim.1 (help2man)")
  install(FILES ${PROJECT_BINARY_DIR}/vtdsim.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man not found: no man page is installed (scripts/setup.sh installs help2man)")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vtdsim)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "vtdsim maintainers <maintainers@users.noreply.h-seed-85d0ffdb.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "cycle-level simulator of Intel VT-d table updates racing the IOMMU")
# The summary is the Description line; this the paragraph under it.
set(CPACK_PACKAGE_DESCRIPTION "vtdsim runs the Linux intel-iommu driver's table-update sequences on a
modeled CPU (x86 store visibility, compiler reorderings) against a modeled
VT-d IOMMU that walks legacy and scalable-mode tables in 128-bit bursts,
caches what it reads and executes queued invalidations, while devices do
DMA. Checkers report torn fetches, unsafe live updates, broken ownership
handshakes, stale translations and corrupting DMA. Includes the scenario
catalog (/usr/share/vtdsim/scenarios), a man page and bash completion.")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# vtdsim_VERSION_ARCH.deb, as Debian names packages.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends from the libraries the binary links (dpkg-shlibdeps): Debian's own
# runtime package names (libsystemc, libboost-program-options1.74.0, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gtkwave")
include(CPack)
