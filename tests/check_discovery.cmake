# Checks that every test case of each test executable is a ctest test of its own. ctest learns
# the names from catch_discover_tests, which reads them into a CMake list, so a name CMake
# misreads goes wrong without a word: a ";" in it splits it into two ctest tests that match no
# test case (they passed, running nothing, until --warn NoTests), and an unbalanced "[" opens a
# bracket after which ";" no longer separates, joining that test case and all the later ones.
#
#   cmake -DCTEST=<ctest> -DBUILD_DIR=<build dir> -DNAMES=<a|b> -DEXECUTABLES=<path a|path b>
#         -P check_discovery.cmake
# Text is never turned into a CMake list here, for the same reason: lines are counted.

string(REPLACE "|" ";" names "${NAMES}")
string(REPLACE "|" ";" executables "${EXECUTABLES}")
set(failed "")
list(LENGTH names count)
math(EXPR last "${count} - 1")
foreach(index RANGE ${last})
  list(GET names ${index} name)
  list(GET executables ${index} executable)
  execute_process(COMMAND "${executable}" --list-test-names-only
    OUTPUT_VARIABLE listed RESULT_VARIABLE result)
  if(NOT result EQUAL 0 AND NOT result GREATER 0)
    message(FATAL_ERROR "${name} --list-test-names-only failed: ${result}")
  endif()
  # Catch2 2.x exits with the number of names listed; count the non-empty lines ourselves.
  string(REGEX REPLACE "\n\n+" "\n" listed "\n${listed}\n")
  string(REGEX REPLACE "[^\n]" "" newlines "${listed}")
  string(LENGTH "${newlines}" cases)
  math(EXPR cases "${cases} - 1")

  execute_process(COMMAND "${CTEST}" -N -R "^${name}:" WORKING_DIRECTORY "${BUILD_DIR}"
    OUTPUT_VARIABLE ctest_output RESULT_VARIABLE result)
  if(NOT result EQUAL 0 OR NOT ctest_output MATCHES "Total Tests: ([0-9]+)")
    message(FATAL_ERROR "ctest -N -R '^${name}:' failed (${result}):\n${ctest_output}")
  endif()
  set(registered "${CMAKE_MATCH_1}")
  message(STATUS "${name}: ${cases} test cases, ${registered} ctest tests")
  if(NOT cases EQUAL registered)
    string(APPEND failed "  ${name}: ${cases} test cases but ${registered} ctest tests\n")
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "test cases joined or lost on their way to ctest (look for a test name "
                      "with an unbalanced '[' or ']', or a ';'):\n${failed}")
endif()
