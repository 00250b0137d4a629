# The .deb (scripts/package.sh): CPack's DEB generator, one package "udm"
# with the runtime and dev components (lvm-links stays out: it is optional and
# installed by hand). Dependencies come from the shared libraries the binaries
# link (dpkg-shlibdeps).
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "udm")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "udm maintainers <udm@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "device-mapper and LVM2 in userspace")
set(CPACK_PACKAGE_DESCRIPTION
  "udmd holds mapped devices and does their I/O in userspace; udmsetup speaks dmsetup, ulvm speaks lvm, and every device shows up as a FUSE file and as an NBD export. libudm is the client library; udm-run runs libdevmapper programs against udmd.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEB_COMPONENT_INSTALL OFF)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "fuse3")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
