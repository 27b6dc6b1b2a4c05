// CUDA C kernels for the PTX VM tests (NvccKernelsTest). vm_kernels.ptx is generated from this file:
//   /usr/local/cuda/bin/nvcc -arch=compute_80 -ptx -o src/test/resources/ptx/vm_kernels.ptx src/test/resources/ptx/vm_kernels.cu
// and committed beside it; regenerate both together.

#define TILE 16

// C[M,N] = A[M,K] * B[K,N], row-major, 16x16 tiles staged through static shared memory.
extern "C" __global__ void vm_matmul_tiled(const float* A, const float* B, float* C, int M, int N, int K) {
    __shared__ float As[TILE][TILE];
    __shared__ float Bs[TILE][TILE + 1];  // padded: a different shared layout from As
    int tx = threadIdx.x, ty = threadIdx.y;
    int row = blockIdx.y * TILE + ty, col = blockIdx.x * TILE + tx;
    float acc = 0.0f;
    for (int t = 0; t < K; t += TILE) {
        As[ty][tx] = (row < M && t + tx < K) ? A[row * K + t + tx] : 0.0f;
        Bs[ty][tx] = (col < N && t + ty < K) ? B[(t + ty) * N + col] : 0.0f;
        __syncthreads();
#pragma unroll 4
        for (int k = 0; k < TILE; k++) acc = fmaf(As[ty][k], Bs[k][tx], acc);
        __syncthreads();
    }
    if (row < M && col < N) C[row * N + col] = acc;
}

// *total += sum(x[0..n)): grid-stride accumulation, a __shfl_down_sync tree per warp, one atomicAdd per
// warp; warpSums[global warp index] receives each warp's partial sum.
extern "C" __global__ void vm_warp_reduce(const float* x, float* total, float* warpSums, int n) {
    float v = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) v += x[i];
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
    if ((threadIdx.x & 31) == 0) {
        int warp = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
        warpSums[warp] = v;
        atomicAdd(total, v);
    }
}

// bins[v mod nbins] += 1 for each v in values (negative values wrap to a non-negative bin): global atomics
// under contention.
extern "C" __global__ void vm_histogram(const int* values, int* bins, int n, int nbins) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        int b = values[i] % nbins;
        if (b < 0) b += nbins;
        atomicAdd(&bins[b], 1);
    }
}

// The same histogram privatised per block: shared-memory atomics, a barrier, then one global atomicAdd per
// non-empty bin. nbins <= 64.
extern "C" __global__ void vm_histogram_shared(const int* values, int* bins, int n, int nbins) {
    __shared__ int local[64];
    for (int b = threadIdx.x; b < nbins; b += blockDim.x) local[b] = 0;
    __syncthreads();
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        int b = values[i] % nbins;
        if (b < 0) b += nbins;
        atomicAdd(&local[b], 1);
    }
    __syncthreads();
    for (int b = threadIdx.x; b < nbins; b += blockDim.x)
        if (local[b] != 0) atomicAdd(&bins[b], local[b]);
}
