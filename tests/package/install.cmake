# cmake -DPREFIX=dir [-DCLEAN_DIRS=a|b] [-DBUILD_DIR=dir [-DCONFIG=name] [-DEXPECTED_FILES=a|b]]
#       -P install.cmake
#
# The setup of the package tests: removes what an earlier run left (the install prefix and the
# consumer projects' build trees), then, given BUILD_DIR, installs the deepnet built there into
# PREFIX and checks that EXPECTED_FILES (relative to PREFIX) are there. Lists are joined with
# "|", since a ";" in a test's command line would split the argument.
if(NOT PREFIX)
  message(FATAL_ERROR "install.cmake: PREFIX is not set")
endif()
string(REPLACE "|" ";" CLEAN_DIRS "${CLEAN_DIRS}")
string(REPLACE "|" ";" EXPECTED_FILES "${EXPECTED_FILES}")

file(REMOVE_RECURSE "${PREFIX}" ${CLEAN_DIRS})
if(NOT BUILD_DIR)
  message(STATUS "removed ${PREFIX} ${CLEAN_DIRS}; nothing to install (DEEPNET_INSTALL is OFF)")
  return()
endif()

set(config_args)
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" ${config_args}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${PREFIX} failed: ${result}")
endif()

foreach(file IN LISTS EXPECTED_FILES)
  if(NOT EXISTS "${PREFIX}/${file}")
    message(FATAL_ERROR "the install has no ${file}")
  endif()
endforeach()
message(STATUS "installed deepnet into ${PREFIX}")
