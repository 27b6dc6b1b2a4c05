// Reductions. Shape legend: x has dims n0..n3 and strides xs0..xs3; out has dims o0..o3, each equal
// to x's or 1 (a dim of size 1 in out is summed over), and strides os0..os3.
#include "common.cuh"

// out = alpha * sum of x over the dims where out has size 1. 1-D grid of 1-D blocks (256), one
// thread per output element: it loops over its reduced dims in row-major order and accumulates in
// double, so the result does not depend on the launch shape. Reads x, writes out.
extern "C" __global__ void reduce_sum_f32(const float* x, long long xs0, long long xs1, long long xs2, long long xs3,
                                          int n0, int n1, int n2, int n3,
                                          float* out, long long os0, long long os1, long long os2, long long os3,
                                          int o0, int o1, int o2, int o3, float alpha) {
    long long outputs = (long long) o0 * o1 * o2 * o3;
    int r0 = o0 == 1 ? n0 : 1, r1 = o1 == 1 ? n1 : 1, r2 = o2 == 1 ? n2 : 1, r3 = o3 == 1 ? n3 : 1;
    FOR_EACH(i, outputs) {
        long long t = i;
        int c3 = t % o3; t /= o3;
        int c2 = t % o2; t /= o2;
        int c1 = t % o1;
        int c0 = t / o1;
        double s = 0;
        for (int j0 = 0; j0 < r0; j0++)
            for (int j1 = 0; j1 < r1; j1++)
                for (int j2 = 0; j2 < r2; j2++)
                    for (int j3 = 0; j3 < r3; j3++)
                        s += x[(c0 + j0) * xs0 + (c1 + j1) * xs1 + (c2 + j2) * xs2 + (c3 + j3) * xs3];
        out[c0 * os0 + c1 * os1 + c2 * os2 + c3 * os3] = (float) (alpha * s);
    }
}

// out[0] = scale * sum(x[0..n)), x contiguous. One block of 256 threads: each sums a strided share in
// double, then a fixed shared-memory tree adds the 256 partial sums, so the result is deterministic.
extern "C" __global__ void __launch_bounds__(256) sum_scaled_f32(const float* x, long long n, float scale, float* out) {
    __shared__ double part[256];
    double s = 0;
    for (long long i = threadIdx.x; i < n; i += 256) s += x[i];
    part[threadIdx.x] = s;
    __syncthreads();
    for (int w = 128; w > 0; w >>= 1) {
        if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[0] = (float) (scale * part[0]);
}
