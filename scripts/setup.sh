#!/usr/bin/env bash
# Installs everything corest's build, tests, examples and benchmarks need (Debian bookworm).
#   scripts/setup.sh          the build, tests, examples and benchmarks
#   scripts/setup.sh fuzz     also clang and its runtimes for the libFuzzer targets (tests/fuzz)
#   scripts/setup.sh bench    also wrk and matplotlib for benchmarks/run.sh and its charts
set -euo pipefail

packages=(
  g++ cmake ninja-build git
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev zlib1g-dev libidn2-dev libpsl-dev libnghttp2-dev pkg-config libyaml-cpp-dev libcurl4-openssl-dev
  nginx-light python3 python3-httpbin python3-h2 gunicorn openssl squid stunnel4 microsocks
  nghttp2-server nghttp2-client doxygen
)
for extra in "$@"; do
  case $extra in
    fuzz) packages+=(clang libclang-rt-14-dev) ;;
    # The benchmarks' other clients and charts. python3-pythran- keeps apt from pulling
    # scipy's compiler, which wants Boost 1.74's headers beside 1.81's.
    bench) packages+=(wrk python3-matplotlib python3-pythran-) ;;
    *) echo "setup.sh: unknown extra '$extra' (known: fuzz, bench)" >&2; exit 2 ;;
  esac
done

sudo=()
if [[ $(id -u) != 0 ]]; then
  sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "setup.sh: packages installed"
