#!/usr/bin/env bash
# Re-creates the committed PTX (src/main/resources/dev/hyperweave/kernels/*.ptx) from src/main/cuda/*.cu
# with CUDA 13's nvcc. compute_80 PTX also runs on Hopper (the driver JIT-compiles it).
#   CUDA_HOME=/usr/local/cuda kernels/build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
nvcc="${CUDA_HOME:-/usr/local/cuda}/bin/nvcc"
[ -x "$nvcc" ] || { echo "kernels/build.sh: no nvcc at $nvcc (set CUDA_HOME)" >&2; exit 1; }
out="$here/src/main/resources/dev/hyperweave/kernels"
mkdir -p "$out"
for cu in "$here"/src/main/cuda/*.cu; do
  name="$(basename "$cu" .cu)"
  "$nvcc" -arch=compute_80 -ptx -I "$here/src/main/cuda" "$cu" -o "$out/$name.ptx"
  echo "$name.ptx"
done
