// Optimisers over the flat, contiguous parameter buffer and its gradient and state buffers [n].
#include "common.cuh"

// One Adam step (PyTorch's formulation; bc1 = 1 - beta1^step and bc2 = 1 - beta2^step come from the
// host in double): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m / bc1) / (sqrt(v / bc2) + eps).
// 1-D grid-stride, one element per thread per step. Reads p, g, m, v; writes p, m, v.
extern "C" __global__ void adam_f32(float* p, const float* g, float* m, float* v, long long n, float lr, float b1,
                                    float b2, float eps, float bc1, float bc2) {
    FOR_EACH(i, n) {
        float gi = g[i];
        float mi = b1 * m[i] + (1.f - b1) * gi;
        float vi = b2 * v[i] + (1.f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] - lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
    }
}

// SGD: with momentum, vel = momentum vel + g and p -= lr vel; else p -= lr g. 1-D grid-stride.
// Reads p, g (and vel); writes p (and vel).
extern "C" __global__ void sgd_f32(float* p, const float* g, float* vel, long long n, float lr, float momentum) {
    FOR_EACH(i, n) {
        float step = g[i];
        if (momentum != 0.f) {
            step = momentum * vel[i] + g[i];
            vel[i] = step;
        }
        p[i] = p[i] - lr * step;
    }
}
