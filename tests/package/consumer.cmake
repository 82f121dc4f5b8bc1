# The part every consumer project in tests/package shares: the executable built from
# consumer.cpp, linked to deepnet::deepnet as a user's program would be.
#
# Cache variables the consumer projects read (tests/package/CMakeLists.txt sets them):
#   DEEPNET_SOURCE_DIR        deepnet's source tree (add_subdirectory, FetchContent)
#   DEEPNET_EXPECTED_VERSION  the version of the deepnet that is being tested
#   DEEPNET_CONSUMER_WERROR   compile the consumer with -Werror

if(NOT TARGET deepnet::deepnet)
  message(FATAL_ERROR "deepnet::deepnet is not defined after bringing deepnet in")
endif()

add_executable(deepnet_consumer "${CMAKE_CURRENT_LIST_DIR}/consumer.cpp")
target_link_libraries(deepnet_consumer PRIVATE deepnet::deepnet)
if(DEEPNET_EXPECTED_VERSION)
  target_compile_definitions(deepnet_consumer PRIVATE
    DEEPNET_CONSUMER_EXPECTED_VERSION="${DEEPNET_EXPECTED_VERSION}")
endif()
# A user's usual warnings must stay quiet in deepnet's headers.
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(deepnet_consumer PRIVATE -Wall -Wextra -Wpedantic
    $<$<BOOL:${DEEPNET_CONSUMER_WERROR}>:-Werror>)
endif()

# deepnet brought in as a subproject builds the library alone: no tests, examples, benchmarks.
macro(deepnet_consumer_expect_library_only)
  foreach(target IN ITEMS deepnet_warnings deepnet_native test_deep_net test_activation
                          deep_network)
    if(TARGET ${target})
      message(FATAL_ERROR
        "deepnet as a subproject defined its own target '${target}': its tests and examples "
        "must be built only when it is the top-level project")
    endif()
  endforeach()
  foreach(option IN ITEMS DEEPNET_BUILD_TESTS DEEPNET_BUILD_EXAMPLES DEEPNET_BUILD_BENCHMARKS
                          DEEPNET_INSTALL)
    if(${option})
      message(FATAL_ERROR "${option} is ${${option}} for deepnet as a subproject; expected OFF")
    endif()
  endforeach()
endmacro()
