# The install layout and what the programs compile in from it.
#
# udm_version (INTERFACE): `#include "udm_build_version.h"` gives UDM_VERSION
# ("0.1.0", from project()) for --version.
# udm_layout (INTERFACE): relative paths between install directories, so an
# installed program finds its peers wherever the tree was installed or
# unpacked (DESTDIR, a relocated prefix, a .deb):
#   UDM_BINDIR_TO_SBINDIR     bin  -> sbin   (udm-run, udmsetup, ulvm -> udmd)
#   UDM_LIBDIR_TO_SBINDIR     lib  -> sbin   (libudm.so -> udmd)
#   UDM_BINDIR_TO_PKGLIBDIR   bin  -> lib/udm (udm-run -> libudm-preload.so)
#   UDM_FULL_SBINDIR, UDM_FULL_PKGLIBDIR: the configured absolute paths, last resort.
include(GNUInstallDirs)

set(UDM_PKGLIBDIR ${CMAKE_INSTALL_LIBDIR}/udm)        # libudm-preload.so
set(UDM_LVM_LINKDIR ${CMAKE_INSTALL_LIBEXECDIR}/udm/lvm-bin)  # lvm-named links to ulvm

set(_full_pkglibdir ${CMAKE_INSTALL_PREFIX}/${UDM_PKGLIBDIR})
file(RELATIVE_PATH UDM_BINDIR_TO_SBINDIR ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_SBINDIR})
file(RELATIVE_PATH UDM_LIBDIR_TO_SBINDIR ${CMAKE_INSTALL_FULL_LIBDIR} ${CMAKE_INSTALL_FULL_SBINDIR})
file(RELATIVE_PATH UDM_BINDIR_TO_PKGLIBDIR ${CMAKE_INSTALL_FULL_BINDIR} ${_full_pkglibdir})

configure_file(${CMAKE_CURRENT_LIST_DIR}/udm_build_version.h.in
               ${PROJECT_BINARY_DIR}/generated/udm_build_version.h @ONLY)
add_library(udm_version INTERFACE)
target_include_directories(udm_version INTERFACE ${PROJECT_BINARY_DIR}/generated)

add_library(udm_layout INTERFACE)
target_compile_definitions(udm_layout INTERFACE
  UDM_BINDIR_TO_SBINDIR="${UDM_BINDIR_TO_SBINDIR}"
  UDM_LIBDIR_TO_SBINDIR="${UDM_LIBDIR_TO_SBINDIR}"
  UDM_BINDIR_TO_PKGLIBDIR="${UDM_BINDIR_TO_PKGLIBDIR}"
  UDM_FULL_SBINDIR="${CMAKE_INSTALL_FULL_SBINDIR}"
  UDM_FULL_PKGLIBDIR="${_full_pkglibdir}")
