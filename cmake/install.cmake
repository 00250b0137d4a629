# What `cmake --install` puts beside the programs and libraries (whose
# install() lines sit with their targets): public headers, libudm.pc, man
# pages, bash completion, systemd units. Components: runtime (programs,
# libraries, man pages, completion, units), dev (headers, libudm.so link,
# libudm.pc), lvm-links (optional, EXCLUDE_FROM_ALL: tools/ulvm/CMakeLists.txt).

install(FILES
  ${PROJECT_SOURCE_DIR}/include/udm/libudm.h
  ${PROJECT_SOURCE_DIR}/include/udm/client.hpp
  ${PROJECT_SOURCE_DIR}/include/udm/result.hpp
  ${PROJECT_SOURCE_DIR}/include/udm/version.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/udm COMPONENT dev)

file(RELATIVE_PATH UDM_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" UDM_PC_TO_PREFIX "${UDM_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/libudm.pc.in ${PROJECT_BINARY_DIR}/libudm.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/libudm.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

install(FILES ${PROJECT_SOURCE_DIR}/man/udmd.8 ${PROJECT_SOURCE_DIR}/man/udmsetup.8 ${PROJECT_SOURCE_DIR}/man/ulvm.8
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man8 COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/man/udm-run.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/man/libudm.3 DESTINATION ${CMAKE_INSTALL_MANDIR}/man3 COMPONENT dev)

install(FILES ${PROJECT_SOURCE_DIR}/completions/udmsetup ${PROJECT_SOURCE_DIR}/completions/ulvm
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT runtime)

# systemd: the unit names udmd by its installed path. Units go under
# <prefix>/lib/systemd/system (/usr/lib/systemd/system or /lib/... in a .deb).
set(UDM_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING "where the systemd units go, relative to the prefix")
configure_file(${PROJECT_SOURCE_DIR}/systemd/udmd.service.in ${PROJECT_BINARY_DIR}/systemd/udmd.service @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/systemd/udmd.service ${PROJECT_SOURCE_DIR}/systemd/udmd.socket
        DESTINATION ${UDM_SYSTEMD_UNITDIR} COMPONENT runtime)
