# The gateway image's build entry point: only gateway/, not the top-level project, which also declares the
# unit tests and benchmarks (and their dependencies) that the image does not build.
# Used by docker/gateway.Dockerfile as CMakeLists.txt of its own folder.
cmake_minimum_required(VERSION 3.22)
project(walcast_gateway_image LANGUAGES CXX)
add_subdirectory(${WALCAST_SOURCE_DIR}/gateway gateway)
