# Writes what cfsync prints about itself into OUT: the man page (gzipped, as Debian ships them),
# the bash, zsh and fish completions and the configuration's JSON Schema. Run by the build
# (deploy/CMakeLists.txt) with CFSYNC, the binary just built, and OUT.
foreach(step IN ITEMS "man;cfsync.1" "completion;bash;cfsync" "completion;zsh;_cfsync"
                      "completion;fish;cfsync.fish" "schema;cfsync.schema.json")
  list(POP_BACK step file)
  execute_process(COMMAND ${CFSYNC} ${step} OUTPUT_FILE ${OUT}/${file} COMMAND_ERROR_IS_FATAL ANY)
endforeach()
# -n: no name or time stamp in the header, so the same page gives the same bytes.
execute_process(COMMAND gzip -9nf ${OUT}/cfsync.1 COMMAND_ERROR_IS_FATAL ANY)
