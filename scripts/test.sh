#!/usr/bin/env bash
# Configures, builds and runs every test.
#   BUILD_DIR          build directory (default: build)
#   COREST_CMAKE_ARGS  extra cmake arguments, e.g. "-DCOREST_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-build}
[[ $build_dir == /* ]] || build_dir=$root/$build_dir

generator=()
# A build directory keeps the generator it was made with.
if command -v ninja >/dev/null 2>&1 && [[ ! -f $build_dir/CMakeCache.txt ]]; then
  generator=(-G Ninja)
fi

read -r -a extra <<<"${COREST_CMAKE_ARGS:-}"

cmake -S "$root" -B "$build_dir" "${generator[@]}" -DCOREST_WARNINGS_AS_ERRORS=ON "${extra[@]}"
cmake --build "$build_dir" -j2
ctest --test-dir "$build_dir" -j2 --output-on-failure
