# Fuzz targets: src/<layer>/<name>_fuzz.cc files that define
# LLVMFuzzerTestOneInput (quiver_layer() leaves them out of the libraries).
# Each is built two ways:
#   - when tests are built (any compiler): linked with tests/fuzz_driver.cc,
#     a standalone driver that uses only the standard library, into
#     quiver_<name>_bounded; ctest runs it as <name>_bounded (labels "fuzz",
#     "bounded") on the seeds in src/<layer>/fuzz_corpus plus deterministic
#     mutations of them, for QUIVER_FUZZ_SECONDS seconds;
#   - with clang and -DQUIVER_FUZZ=ON: quiver_<name>, a libFuzzer binary with
#     AddressSanitizer and UBSan. Everything is then compiled with coverage
#     instrumentation, so use a separate build directory: scripts/fuzz.sh.
# Included from the top CMakeLists.txt before the layers are defined (so
# that the instrumentation flags reach them); the targets are added once the
# whole directory has been read.

option(QUIVER_FUZZ "Build libFuzzer fuzz targets (needs clang)" OFF)
set(QUIVER_FUZZ_SECONDS 20 CACHE STRING "Time budget of each bounded fuzz test, in seconds")

if(QUIVER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "QUIVER_FUZZ=ON needs clang for libFuzzer (configure with CXX=clang++)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(quiver_fuzz_targets)
  file(GLOB fuzzers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/*/*_fuzz.cc)
  foreach(src ${fuzzers})
    get_filename_component(name ${src} NAME_WE)  # expr_fuzz
    get_filename_component(dir ${src} DIRECTORY)
    get_filename_component(layer ${dir} NAME)    # expr
    if(QUIVER_BUILD_TESTS)
      add_executable(quiver_${name}_bounded ${src} ${PROJECT_SOURCE_DIR}/tests/fuzz_driver.cc)
      target_link_libraries(quiver_${name}_bounded PRIVATE quiver_${layer})
      add_test(NAME ${name}_bounded
               COMMAND quiver_${name}_bounded --max-total-time=${QUIVER_FUZZ_SECONDS} ${dir}/fuzz_corpus)
      math(EXPR timeout "${QUIVER_FUZZ_SECONDS} + 120")
      set_tests_properties(${name}_bounded PROPERTIES LABELS "fuzz;bounded" TIMEOUT ${timeout})
    endif()
    if(QUIVER_FUZZ)
      add_executable(quiver_${name} ${src})
      target_link_libraries(quiver_${name} PRIVATE quiver_${layer})
      target_link_options(quiver_${name} PRIVATE -fsanitize=fuzzer)
    endif()
  endforeach()
endfunction()

cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL quiver_fuzz_targets)
