# cmake -DSOURCE_DIR=... -DOUTPUT=... -P build_commit.cmake, at every build: writes OUTPUT, a
# header naming the commit SOURCE_DIR is (`git describe --always --dirty`), else the environment's
# CFSYNC_COMMIT, else "unknown commit" (a source archive, or no git). The header is
# rewritten only when its content changes, so an unchanged checkout rebuilds nothing. No lock is
# taken on the checkout's index (--no-optional-locks): a build never blocks a git command.
cmake_minimum_required(VERSION 3.25)
set(commit "")
find_program(GIT_EXECUTABLE git)
if(GIT_EXECUTABLE)
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" rev-parse --show-toplevel
                  OUTPUT_VARIABLE top OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                  RESULT_VARIABLE failed)
  file(REAL_PATH "${SOURCE_DIR}" source)
  # A source archive unpacked inside another repository is not that repository's commit.
  if(NOT failed AND top)
    file(REAL_PATH "${top}" top)
    if(top STREQUAL source)
      execute_process(COMMAND "${GIT_EXECUTABLE}" --no-optional-locks -C "${SOURCE_DIR}"
                              describe --always --dirty
                      OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                      RESULT_VARIABLE failed)
      if(failed)
        set(commit "")
      endif()
    endif()
  endif()
endif()
# Built from an export of the sources (a container build, a source archive): the commit may be
# given as CFSYNC_COMMIT in the environment of the build.
if(NOT commit AND NOT "$ENV{CFSYNC_COMMIT}" STREQUAL "")
  set(commit "$ENV{CFSYNC_COMMIT}")
endif()
if(commit)
  set(text "commit ${commit}")
else()
  set(text "unknown commit")
endif()
file(CONFIGURE OUTPUT "${OUTPUT}" @ONLY CONTENT
     "// Made at build time by daemon/build_commit.cmake.\n#pragma once\n\n#define CFSYNC_BUILD_COMMIT \"@text@\"\n")
