# Builds and runs the consumer project (CMakeLists.txt here) with corest taken one way:
#   cmake -DWAY=find_package|add_subdirectory|FetchContent -DSOURCE_DIR=... -DWORK_DIR=... -P run.cmake
# find_package installs corest into a scratch prefix first. FetchContent clones the
# source tree's git repository at its current commit (what is committed, not the work tree).
file(REMOVE_RECURSE ${WORK_DIR})

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "${what} failed (${WAY})")
  endif()
endfunction()

set(consumer_args -DCOREST_CONSUME=${WAY})
if(WAY STREQUAL "find_package")
  run_step("configuring corest" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/corest-build
    -DCOREST_BUILD_TESTS=OFF -DCOREST_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix)
  run_step("installing corest" ${CMAKE_COMMAND} --install ${WORK_DIR}/corest-build)
  list(APPEND consumer_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
elseif(WAY STREQUAL "add_subdirectory")
  list(APPEND consumer_args -DCOREST_SOURCE_DIR=${SOURCE_DIR})
elseif(WAY STREQUAL "FetchContent")
  execute_process(COMMAND git -C ${SOURCE_DIR} rev-parse HEAD OUTPUT_VARIABLE commit
    OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "FetchContent: ${SOURCE_DIR} is not a git checkout")
  endif()
  list(APPEND consumer_args -DCOREST_GIT_REPOSITORY=${SOURCE_DIR} -DCOREST_GIT_TAG=${commit})
else()
  message(FATAL_ERROR "WAY must be find_package, add_subdirectory or FetchContent")
endif()

run_step("configuring the consumer" ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/cmake_install_test
  -B ${WORK_DIR}/consumer ${consumer_args})
run_step("building the consumer" ${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run_step("running the consumer" ${WORK_DIR}/consumer/consumer)
# Tests and examples are the top-level project's only: a consumer does not build them.
foreach(dir ${WORK_DIR}/consumer/corest ${WORK_DIR}/consumer/_deps/corest-build)
  if(EXISTS ${dir}/tests OR EXISTS ${dir}/examples)
    message(FATAL_ERROR "corest configured its tests or examples inside a consumer (${WAY})")
  endif()
endforeach()
