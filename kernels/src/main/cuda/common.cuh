// Shared by every kernel file. Shape legend for strided kernels: a tensor reaches a kernel as up to
// four dims n0..n3 (outermost first; the host folds adjacent dims and pads with leading 1s) and, per
// operand, element strides s0..s3 (0 broadcasts). Element i of the iteration space has coordinates
// (i0, i1, i2, i3) in row-major order over (n0, n1, n2, n3).
#pragma once

__device__ __forceinline__ long long offset4(long long i, int n1, int n2, int n3,
                                             long long s0, long long s1, long long s2, long long s3) {
    long long i3 = i % n3; i /= n3;
    long long i2 = i % n2; i /= n2;
    long long i1 = i % n1;
    long long i0 = i / n1;
    return i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3;
}

// Activation codes match dev.hyperweave.backend.Activation's order: NONE, RELU, TANH, SIGMOID, ELU.
__device__ __forceinline__ float activate(int act, float x) {
    switch (act) {
        case 1: return x > 0.f ? x : 0.f;
        case 2: return tanhf(x);
        case 3: return 1.f / (1.f + expf(-x));
        case 4: return x > 0.f ? x : expm1f(x);
        default: return x;
    }
}

// d act / dx through the forward output y.
__device__ __forceinline__ float activate_grad(int act, float y) {
    switch (act) {
        case 1: return y > 0.f ? 1.f : 0.f;
        case 2: return (1.f - y) * (1.f + y); // not 1 - y*y: that cancels badly as |y| nears 1
        case 3: return y * (1.f - y);
        case 4: return y > 0.f ? 1.f : y + 1.f;
        default: return 1.f;
    }
}

// Grid-stride loop over n elements of a 1-D grid of 1-D blocks.
#define FOR_EACH(i, n) for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < (n); \
                            i += (long long) gridDim.x * blockDim.x)
