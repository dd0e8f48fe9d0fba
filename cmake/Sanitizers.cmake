# Sanitizer builds of the gateway and its unit tests, each in a build directory of its own:
#   cmake -S . -B build-asan -DWALCAST_SANITIZE=address,undefined    (ASan + UBSan, LeakSanitizer included)
#   cmake -S . -B build-tsan -DWALCAST_SANITIZE=thread               (TSan: the replication/network threads)
# scripts/sanitize builds and runs both; see README "Sanitizers".
#
# The flags apply to everything this project compiles. Libraries linked from the system (libpq, OpenSSL,
# Boost.JSON's shared library, GoogleTest) are not instrumented: ASan still catches our bad accesses into their
# buffers, and none of them shares memory between our threads, so TSan does not need them instrumented.
set(WALCAST_SANITIZE "" CACHE STRING "Sanitizers to build with: address,undefined | thread | empty for none")

if(WALCAST_SANITIZE)
  if(NOT WALCAST_SANITIZE MATCHES "^(address|undefined|thread)(,(address|undefined))*$"
     OR (WALCAST_SANITIZE MATCHES "thread" AND WALCAST_SANITIZE MATCHES "address"))
    message(FATAL_ERROR "WALCAST_SANITIZE=${WALCAST_SANITIZE}: use address,undefined or thread "
                        "(TSan cannot be combined with ASan)")
  endif()
  # -fno-sanitize-recover=all: a UBSan finding aborts like an ASan one, so no test can pass over it.
  # -O1 after the build type's -O2: the usual sanitizer trade-off (readable stacks, half the compile time).
  set(walcast_sanitize_flags -fsanitize=${WALCAST_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(${walcast_sanitize_flags} -O1)
  if(WALCAST_SANITIZE STREQUAL "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC warns that TSan ignores the atomic_thread_fence Boost.Asio puts around each handler. Asio's handler queue
    # is guarded by a mutex, which TSan does follow, so a post from one thread to another is still ordered for it.
    add_compile_options(-Wno-tsan)
  endif()
  add_link_options(${walcast_sanitize_flags})
  message(STATUS "walcast: sanitizers ${WALCAST_SANITIZE}")
endif()
