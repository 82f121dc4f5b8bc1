# Compiles tests/compile_fail/<SOURCE> twice with the C++ compiler:
#   -DDEEPNET_TEMPORARY=0 must compile (a control: the file is right apart from the mistake),
#   -DDEEPNET_TEMPORARY=1 must fail, and its diagnostics must contain EXPECTED.
# Arguments (-D): COMPILER, SOURCE, INCLUDES (directories separated by '|'), DEFINITIONS
# (extra -D flags separated by '|'), EXPECTED.
string(REPLACE "|" ";" include_dirs "${INCLUDES}")
set(flags -std=c++17 -fsyntax-only)
foreach(dir IN LISTS include_dirs)
  list(APPEND flags "-I${dir}")
endforeach()
if(DEFINITIONS)
  string(REPLACE "|" ";" definitions "${DEFINITIONS}")
  list(APPEND flags ${definitions})
endif()

execute_process(COMMAND "${COMPILER}" ${flags} -DDEEPNET_TEMPORARY=0 "${SOURCE}"
  RESULT_VARIABLE control_result OUTPUT_VARIABLE control_out ERROR_VARIABLE control_err)
if(NOT control_result EQUAL 0)
  message(FATAL_ERROR "the control (DEEPNET_TEMPORARY=0) does not compile, so the test proves "
                      "nothing:\n${control_out}${control_err}")
endif()

execute_process(COMMAND "${COMPILER}" ${flags} -DDEEPNET_TEMPORARY=1 "${SOURCE}"
  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} with DEEPNET_TEMPORARY=1 compiled; it must not")
endif()
string(FIND "${out}${err}" "${EXPECTED}" found)
if(found EQUAL -1)
  message(FATAL_ERROR "${SOURCE} failed to compile, but without the message \"${EXPECTED}\":\n"
                      "${out}${err}")
endif()
message(STATUS "refused at compile time with: ${EXPECTED}")
