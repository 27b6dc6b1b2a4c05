#!/usr/bin/env bash
# Re-creates the generated CUDA driver bindings in src/main/java from cuda.h with the symbols in
# includes.txt. Needs a jextract for JDK 25 on the PATH (build it from openjdk/jextract yourself;
# it is not on Maven Central and nothing of it belongs in this repository) and CUDA 13's headers.
#   CUDA_HOME=/usr/local/cuda ./regen.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cuda="${CUDA_HOME:-/usr/local/cuda}"
command -v jextract >/dev/null || { echo "regen.sh: no jextract on the PATH" >&2; exit 1; }
[ -f "$cuda/include/cuda.h" ] || { echo "regen.sh: no $cuda/include/cuda.h (set CUDA_HOME)" >&2; exit 1; }
out="$here/src/main/java"
rm -rf "$out/dev/hyperweave/cuda/bindings"
jextract --output "$out" --target-package dev.hyperweave.cuda.bindings --header-class-name cuda_h \
  --library :libcuda.so.1 -I "$cuda/include" @"$here/includes.txt" "$cuda/include/cuda.h"
echo "regenerated $(find "$out/dev/hyperweave/cuda/bindings" -name '*.java' | wc -l) files with $(jextract --version 2>&1 | head -1)"
