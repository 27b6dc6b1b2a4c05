// Batched matrix products over strided views: C[b] = act(A[b] @ B[b] + bias[b]) or C[b] += A[b] @ B[b].
// Shape legend: A [B,M,K], B [B,K,N], C [B,M,N], bias [B,N] (or null); every operand has its own
// batch, row and column strides in elements (batch stride 0 shares an operand across the batch;
// swapped row/column strides are a transpose).
#include "common.cuh"

#define BM 64
#define BN 64
#define BK 16

// Grid (ceil(N/64), ceil(M/64), B), block 256 threads as 16x16. Each CTA computes a 64x64 tile of
// C[b]: per K-step it stages a 64x16 slice of A and a 16x64 slice of B in shared memory (zeros past
// the edges); thread (tx, ty) accumulates the 4x4 elements at rows ty + 16i, columns tx + 16j in
// registers. Reads A, B, bias (and C when accumulating); writes its C tile.
extern "C" __global__ void __launch_bounds__(256) matmul_f32(
        const float* A, long long sab, long long sam, long long sak,
        const float* B, long long sbb, long long sbk, long long sbn,
        float* C, long long scb, long long scm, long long scn,
        const float* bias, long long sxb, long long sxn,
        int M, int N, int K, int act, int accumulate) {
    __shared__ float As[BK][BM + 1];
    __shared__ float Bs[BK][BN + 1];
    int tx = threadIdx.x, ty = threadIdx.y, tid = ty * 16 + tx;
    int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    long long b = blockIdx.z;
    const float* a = A + b * sab;
    const float* bb = B + b * sbb;
    float acc[4][4] = {};
    for (int k0 = 0; k0 < K; k0 += BK) {
        for (int e = tid; e < BM * BK; e += 256) { // A slice: element (m, k) of the 64x16 tile
            int m = e / BK, k = e % BK;
            int gm = m0 + m, gk = k0 + k;
            As[k][m] = gm < M && gk < K ? a[gm * sam + gk * sak] : 0.f;
        }
        for (int e = tid; e < BK * BN; e += 256) { // B slice: element (k, n) of the 16x64 tile
            int k = e / BN, n = e % BN;
            int gk = k0 + k, gn = n0 + n;
            Bs[k][n] = gk < K && gn < N ? bb[gk * sbk + gn * sbn] : 0.f;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < BK; k++) {
            float av[4], bv[4];
#pragma unroll
            for (int i = 0; i < 4; i++) av[i] = As[k][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; j++) bv[j] = Bs[k][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }
        __syncthreads();
    }
    float* c = C + b * scb;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int gm = m0 + ty + 16 * i;
        if (gm >= M) continue;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int gn = n0 + tx + 16 * j;
            if (gn >= N) continue;
            long long o = gm * scm + gn * scn;
            float v = acc[i][j];
            if (accumulate) {
                c[o] = c[o] + v;
            } else {
                if (bias) v = v + bias[b * sxb + gn * sxn];
                c[o] = activate(act, v);
            }
        }
    }
}
