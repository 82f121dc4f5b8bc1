# Builds and runs the tutorial's project the way a reader makes it: an empty directory with the
# tutorial's CMakeLists.txt for one of the three ways to bring deepnet in (WAY: add_subdirectory,
# find_package or fetch_content) and examples/tutorial/train.cpp, configured, built and run.
#
#   cmake -DWAY=... -DSOURCE_DIR=<deepnet> -DWORK_DIR=<scratch> [-DPREFIX=<install prefix>]
#         [-DGENERATOR=...] [-DCXX_COMPILER=...] [-DCXX_FLAGS=...] [-DBUILD_TYPE=...]
#         [-DEIGEN_DIR=...] -P tutorial_project.cmake

foreach(variable IN ITEMS WAY SOURCE_DIR WORK_DIR)
  if(NOT ${variable})
    message(FATAL_ERROR "tutorial_project.cmake: set ${variable}")
  endif()
endforeach()

set(project_dir "${WORK_DIR}/my_first_net")
set(build_dir "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${project_dir}")
file(COPY "${SOURCE_DIR}/examples/tutorial/${WAY}/CMakeLists.txt"
          "${SOURCE_DIR}/examples/tutorial/train.cpp"
     DESTINATION "${project_dir}")

set(options)
if(WAY STREQUAL "add_subdirectory")
  file(MAKE_DIRECTORY "${project_dir}/third_party")
  file(CREATE_LINK "${SOURCE_DIR}" "${project_dir}/third_party/deepnet" SYMBOLIC)
elseif(WAY STREQUAL "find_package")
  list(APPEND options "-DCMAKE_PREFIX_PATH=${PREFIX}")
elseif(WAY STREQUAL "fetch_content")
  # No download in a test: the override the tutorial mentions, to this source tree.
  list(APPEND options "-DFETCHCONTENT_SOURCE_DIR_DEEPNET=${SOURCE_DIR}")
else()
  message(FATAL_ERROR "tutorial_project.cmake: unknown WAY '${WAY}'")
endif()
if(GENERATOR)
  list(APPEND options -G "${GENERATOR}")
endif()
if(CXX_COMPILER)
  list(APPEND options "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
if(CXX_FLAGS)
  list(APPEND options "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}")
endif()
if(BUILD_TYPE)
  list(APPEND options "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
endif()
if(EIGEN_DIR)
  list(APPEND options "-DEigen3_DIR=${EIGEN_DIR}")
endif()

function(run step)
  message(STATUS "${step}: ${ARGN}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output
                  ERROR_VARIABLE output)
  message("${output}")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "tutorial (${WAY}): ${step} failed (${result})")
  endif()
  set(output "${output}" PARENT_SCOPE)
endfunction()

run(configure "${CMAKE_COMMAND}" -S "${project_dir}" -B "${build_dir}" ${options})
run(build "${CMAKE_COMMAND}" --build "${build_dir}")
find_program(train NAMES train PATHS "${build_dir}" "${build_dir}/Release" "${build_dir}/Debug"
             NO_DEFAULT_PATH)
if(NOT train)
  message(FATAL_ERROR "tutorial (${WAY}): the build made no program 'train'")
endif()
run(run "${train}" "${WORK_DIR}")
foreach(file IN ITEMS model.dnet history.csv learning_curve.svg)
  if(NOT EXISTS "${WORK_DIR}/${file}")
    message(FATAL_ERROR "tutorial (${WAY}): train did not write ${file}")
  endif()
endforeach()
if(NOT output MATCHES "largest difference in predictions 0")
  message(FATAL_ERROR "tutorial (${WAY}): the reloaded model does not predict the same")
endif()
