#!/usr/bin/env bash
# Installs what the main job needs from Debian 12's archive (only what is missing): building the
# harness, building kernels and booting them. Then configures and builds the harness in ./build.
# Safe to re-run: a second run installs nothing and rebuilds only what changed. Run by
# run-matrix.sh as it is, and by run-tests.sh with the packages only the tests need:
#
#   scripts/setup.sh [EXTRA_PACKAGE...]
#
# Environment: HARNESS_WERROR=ON makes compiler warnings errors (CI's build, .ci/run); a user's
# build leaves it off, so that a newer compiler's new warning never stops ./run-matrix.sh.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Each package and what it is for: README.md ("What gets installed") and docs/setup.md.
packages=(
  cmake g++ make pkg-config git                      # building the harness
  libyaml-cpp-dev libelf-dev libbpf-dev               # config module, .BTF inspector
  libboost-dev libboost-filesystem-dev                # Boost.Process (proc module)
  nlohmann-json3-dev libcli11-dev libssl-dev          # reports, command line, SHA-256
  libgtest-dev libgmock-dev                           # tests (CMake configures them with the harness)
  gcc-aarch64-linux-gnu gcc-s390x-linux-gnu           # cross compilers (x86_64 uses gcc)
  gcc-riscv64-linux-gnu gcc-powerpc64-linux-gnu gcc-i686-linux-gnu
  libc6-dev-arm64-cross libc6-dev-s390x-cross         # static libc for the guest probe
  libc6-dev-riscv64-cross libc6-dev-ppc64-cross libc6-dev-i386-cross
  dwarves flex bison bc cpio ccache xz-utils          # kernel build: pahole, kconfig, ...
  linux-source-6.1                                    # the default kernel tree
  qemu-system-x86 qemu-system-arm qemu-system-misc    # booting x86_64 and i386, arm64, s390x and riscv64
  qemu-system-ppc                                     # booting ppc64 (pseries, VOF firmware)
  clang-16 lld-16 llvm-16                             # the clang toolchain (LLVM=1 with /usr/lib/llvm-16/bin)
  "$@"                                                # the caller's (run-tests.sh: what only tests need)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

apt_retry() {
  # Another apt/dpkg holding the lock makes apt-get fail at once: wait and retry.
  local i
  for i in $(seq 1 30); do
    if "$@"; then return 0; fi
    echo "setup: '$*' failed (attempt $i); retrying in 10 s" >&2
    sleep 10
  done
  return 1
}

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages: ${missing[*]}; run as root or install them: apt-get install ${missing[*]}" >&2
    exit 2
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_retry apt-get update -q
  apt_retry apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ccache also serves the harness's own C++ builds (build/, build-asan/, build-fuzz/).
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DHARNESS_WERROR="${HARNESS_WERROR:-OFF}" >/dev/null
cmake --build "$top/build" -j"$(nproc)"
