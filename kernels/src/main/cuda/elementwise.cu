// Element-wise kernels over strided 4-D views (common.cuh's shape legend). All: 1-D grid of 1-D
// blocks (256 threads), grid-stride over the n = n0*n1*n2*n3 elements; each thread reads its
// operands' elements and writes one output element.
#include "common.cuh"

#define DIMS int n1, int n2, int n3
#define STRIDES(p) long long p##0, long long p##1, long long p##2, long long p##3
#define AT(p, i) offset4(i, n1, n2, n3, p##0, p##1, p##2, p##3)

// t = v. Writes every element of t.
extern "C" __global__ void fill_f32(float* t, STRIDES(t), float v, long long n, DIMS) {
    FOR_EACH(i, n) t[AT(t, i)] = v;
}

// dst = src (src may broadcast). Reads src, writes dst.
extern "C" __global__ void copy_f32(const float* src, STRIDES(s), float* dst, STRIDES(d), long long n, DIMS) {
    FOR_EACH(i, n) dst[AT(d, i)] = src[AT(s, i)];
}

// out = alpha * x (out may be x). Reads x, writes out.
extern "C" __global__ void scale_f32(const float* x, STRIDES(x), float* out, STRIDES(o), float alpha, long long n, DIMS) {
    FOR_EACH(i, n) out[AT(o, i)] = alpha * x[AT(x, i)];
}

// out += x (x may broadcast). Reads x and out, writes out.
extern "C" __global__ void accumulate_f32(const float* x, STRIDES(x), float* out, STRIDES(o), long long n, DIMS) {
    FOR_EACH(i, n) { long long o = AT(o, i); out[o] = out[o] + x[AT(x, i)]; }
}

// out = a op b, op 0 add, 1 sub, 2 mul (BinaryOp's order). Reads a, b; writes out.
extern "C" __global__ void binary_f32(int op, const float* a, STRIDES(a), const float* b, STRIDES(b), float* out, STRIDES(o),
                                      long long n, DIMS) {
    FOR_EACH(i, n) {
        float x = a[AT(a, i)], y = b[AT(b, i)];
        out[AT(o, i)] = op == 0 ? x + y : op == 1 ? x - y : x * y;
    }
}

// y = act(x). Reads x, writes y.
extern "C" __global__ void activation_f32(int act, const float* x, STRIDES(x), float* y, STRIDES(y), long long n, DIMS) {
    FOR_EACH(i, n) y[AT(y, i)] = activate(act, x[AT(x, i)]);
}

// dx = dy * act'(y), the derivative taken from the forward output. Reads y, dy; writes dx.
extern "C" __global__ void activation_grad_f32(int act, const float* y, STRIDES(y), const float* dy, STRIDES(g), float* dx,
                                               STRIDES(d), long long n, DIMS) {
    FOR_EACH(i, n) dx[AT(d, i)] = dy[AT(g, i)] * activate_grad(act, y[AT(y, i)]);
}
