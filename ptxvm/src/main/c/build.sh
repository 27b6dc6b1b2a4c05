#!/usr/bin/env bash
# Builds the stand-in driver: OUT/libcuda.so.1, and OUT/old/libcuda.so.1 (looks like a CUDA 12.4
# driver). Needs a C compiler and CUDA 13's cuda.h ($CUDA_HOME/include, default /usr/local/cuda).
set -euo pipefail
out="${1:?usage: build.sh OUTDIR}"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cuda_standin.c"
cc="${CC:-$(command -v cc || command -v gcc || true)}"
inc="${CUDA_HOME:-/usr/local/cuda}/include"
if [ -z "$cc" ]; then
  echo "ptxvm: no C compiler (cc or gcc) on the PATH: the stand-in libcuda.so.1 cannot be built" >&2; exit 1
fi
if [ ! -f "$inc/cuda.h" ]; then
  echo "ptxvm: no $inc/cuda.h: install the CUDA 13 toolkit or set CUDA_HOME" >&2; exit 1
fi
build() { # OUTFILE EXTRA_FLAGS...
  local target="$1"; shift
  if [ -f "$target" ] && [ "$target" -nt "$src" ] && [ "$target" -nt "${BASH_SOURCE[0]}" ]; then return 0; fi
  mkdir -p "$(dirname "$target")"
  "$cc" -O2 -g -std=gnu11 -fPIC -shared -fvisibility=hidden -Wall -Wextra -Werror -pthread -I "$inc" "$@" \
    -Wl,-soname,libcuda.so.1 -o "$target.tmp" "$src"
  mv "$target.tmp" "$target"
}
build "$out/libcuda.so.1"
build "$out/old/libcuda.so.1" -DPTXVM_OLD_DRIVER
