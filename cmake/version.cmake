# Writes the version source (cmake -P, at every build): the project version
# and `git describe --always --dirty` of the source tree when it is a git
# checkout. configure_file leaves the file untouched when nothing changed, so
# only a new commit (or a tree turning dirty or clean) recompiles it.
# Inputs: SOURCE_DIR, VERSION, GIT (the git executable, may be empty), IN, OUT.
set(VTDSIM_VERSION "${VERSION}")
set(VTDSIM_GIT_COMMIT "")
if(GIT AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT}" describe --always --dirty
                  WORKING_DIRECTORY "${SOURCE_DIR}"
                  OUTPUT_VARIABLE commit
                  OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET
                  RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    set(VTDSIM_GIT_COMMIT "${commit}")
  endif()
endif()
if(VTDSIM_GIT_COMMIT)
  set(VTDSIM_VERSION_TEXT "vtdsim ${VTDSIM_VERSION} (git ${VTDSIM_GIT_COMMIT})")
else()
  set(VTDSIM_VERSION_TEXT "vtdsim ${VTDSIM_VERSION}")
endif()
configure_file("${IN}" "${OUT}" @ONLY)
