// CUDA C test kernels for the PTX VM. test_kernels.ptx is made from this file by
//   nvcc -arch=compute_80 -ptx test_kernels.cu -o test_kernels.ptx
// (CUDA 13) and committed beside it; PtxVmKernelsTest checks both are in step.

// C[M,N] = A[M,K] @ B[K,N], 16x16 tiles through shared memory.
extern "C" __global__ void matmul_tiled(const float* A, const float* B, float* C, int M, int N, int K) {
    __shared__ float As[16][16], Bs[16][16];
    int r = blockIdx.y * 16 + threadIdx.y, c = blockIdx.x * 16 + threadIdx.x;
    float acc = 0;
    for (int t = 0; t < K; t += 16) {
        As[threadIdx.y][threadIdx.x] = (r < M && t + threadIdx.x < K) ? A[r * K + t + threadIdx.x] : 0.f;
        Bs[threadIdx.y][threadIdx.x] = (c < N && t + threadIdx.y < K) ? B[(t + threadIdx.y) * N + c] : 0.f;
        __syncthreads();
        for (int k = 0; k < 16; k++) acc += As[threadIdx.y][k] * Bs[k][threadIdx.x];
        __syncthreads();
    }
    if (r < M && c < N) C[r * N + c] = acc;
}

// *out += sum(x): a warp-shuffle reduction, then one atomicAdd per warp.
extern "C" __global__ void warp_sum(const float* x, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = i < n ? x[i] : 0.f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffff, v, o);
    if ((threadIdx.x & 31) == 0) atomicAdd(out, v);
}

// bins[x mod nb] += 1 for every x: atomics under contention.
extern "C" __global__ void histogram(const int* x, int* bins, int n, int nb) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) atomicAdd(&bins[((x[i] % nb) + nb) % nb], 1);
}

// y = tanh(x) + exp(x) + 1/sqrt(|x| + 1e-3): special functions as nvcc expands them.
extern "C" __global__ void activations(float* y, const float* x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = tanhf(x[i]) + expf(x[i]) + 1.0f / sqrtf(fabsf(x[i]) + 1e-3f);
}

// Block-wide sum in dynamic shared memory with a tree of barriers; double accumulation per block.
extern "C" __global__ void block_sum(const float* x, double* out, int n) {
    extern __shared__ double partial[];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    partial[threadIdx.x] = i < n ? (double) x[i] : 0.0;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = partial[0];
}
