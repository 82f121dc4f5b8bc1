# cmake -DSOURCE_DIR=dir -DWORK=dir -DGENERATOR=name -DCOMPILER=path [-DEIGEN_DIR=dir]
#       -P build_type.cmake
#
# What configuring without a build type says (single-configuration generators only): deepnet
# as the top-level project builds Release and says so; a project that adds deepnet with
# add_subdirectory and sets no build type (and no -O flag) gets a warning that names
# -DCMAKE_BUILD_TYPE=Release; one that sets either gets none. Configures only, builds nothing.
foreach(variable IN ITEMS SOURCE_DIR WORK GENERATOR COMPILER)
  if(NOT ${variable})
    message(FATAL_ERROR "build_type.cmake: ${variable} is not set")
  endif()
endforeach()
set(common -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${COMPILER}")
if(EIGEN_DIR)
  list(APPEND common "-DEigen3_DIR=${EIGEN_DIR}")
endif()

# Configures `source` into WORK/`name` with the extra arguments; `output` receives what CMake
# printed, with runs of spaces and line breaks made one space (CMake wraps warnings).
function(configure name source output)
  file(REMOVE_RECURSE "${WORK}/${name}")
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${source}" -B "${WORK}/${name}" ${common} ${ARGN}
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "configuring ${name} failed:\n${out}\n${err}")
  endif()
  string(REGEX REPLACE "[ \t\r\n]+" " " text "${out} ${err}")
  set(${output} "${text}" PARENT_SCOPE)
endfunction()

set(consumer "${CMAKE_CURRENT_LIST_DIR}/add_subdirectory")
set(warning "has no CMAKE_BUILD_TYPE, so its programs, deepnet's code included (it is header-only), are compiled without optimisation")

configure(no_build_type "${consumer}" text "-DDEEPNET_SOURCE_DIR=${SOURCE_DIR}")
string(FIND "${text}" "${warning}" at)
string(FIND "${text}" "Configure with -DCMAKE_BUILD_TYPE=Release" advice)
if(at EQUAL -1 OR advice EQUAL -1)
  message(FATAL_ERROR "a consumer without a build type got no warning naming "
    "-DCMAKE_BUILD_TYPE=Release:\n${text}")
endif()

foreach(chosen IN ITEMS "-DCMAKE_BUILD_TYPE=Release" "-DCMAKE_CXX_FLAGS=-O2 -g")
  configure(chosen "${consumer}" text "-DDEEPNET_SOURCE_DIR=${SOURCE_DIR}" "${chosen}")
  string(FIND "${text}" "${warning}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "a consumer configured with ${chosen} was warned:\n${text}")
  endif()
endforeach()

configure(top_level "${SOURCE_DIR}" text -DDEEPNET_BUILD_TESTS=OFF -DDEEPNET_BUILD_EXAMPLES=OFF
  -DDEEPNET_INSTALL=OFF)
string(FIND "${text}" "deepnet: no CMAKE_BUILD_TYPE given: building Release" at)
file(STRINGS "${WORK}/top_level/CMakeCache.txt" type REGEX "^CMAKE_BUILD_TYPE:")
if(at EQUAL -1 OR NOT type MATCHES "=Release$")
  message(FATAL_ERROR "deepnet as the top-level project without a build type did not say it "
    "builds Release (cache: ${type}):\n${text}")
endif()
file(REMOVE_RECURSE "${WORK}")
message(STATUS "the build type messages are as expected")
