# Installs the systemd unit and its environment file with the paths of this installation: the
# binary in BINDIR, the configuration (the environment file, the credentials) in SYSCONFDIR/cfsync.
# Run at install time, so that `cmake --install build --prefix P` gets P's paths, and CPack's
# /usr gets /etc as GNUInstallDirs gives it (a relative SYSCONFDIR under the prefix /usr is /etc).
# The unit in deploy/ names /usr/local/bin and /etc, for the manual installation its header
# describes.
function(under_prefix dir out)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  elseif(dir STREQUAL "etc" AND CMAKE_INSTALL_PREFIX MATCHES "^/usr/?$")
    set(${out} "/etc" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
under_prefix("${CFSYNC_BINDIR}" bindir)
under_prefix("${CFSYNC_SYSCONFDIR}" sysconfdir)
under_prefix("${CFSYNC_UNIT_DIR}" unitdir)

file(READ "${CFSYNC_SOURCE}/cfsync.service" unit)
string(REPLACE "/usr/local/bin/cfsync" "${bindir}/cfsync" unit "${unit}")
string(REPLACE "/etc/cfsync/" "${sysconfdir}/cfsync/" unit "${unit}")
file(WRITE "${CFSYNC_STAGING}/cfsync.service" "${unit}")
file(INSTALL DESTINATION "${unitdir}" TYPE FILE FILES "${CFSYNC_STAGING}/cfsync.service")
# The unit's EnvironmentFile=, to edit: a conffile in the package.
file(INSTALL DESTINATION "${sysconfdir}/cfsync" TYPE FILE RENAME cfsync.env
     FILES "${CFSYNC_SOURCE}/cfsync.env.example")
