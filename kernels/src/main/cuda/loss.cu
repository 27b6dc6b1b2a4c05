// Losses. Shape legend: logits [R, C] with row stride ls0 and column stride ls1; labels int [R]
// (contiguous); per-row and per-element temporaries are contiguous floats the host provides.
#include "common.cuh"

// rowloss[r] = -log softmax(logits[r])[labels[r]] = logsumexp(logits[r]) - logits[r][label]. 1-D grid
// of 1-D blocks, one thread per row (rows are short: 10 classes in the workloads). A label outside
// [0, C) sets *bad to 1 + its row and writes NaN. Reads logits, labels; writes rowloss (and bad).
extern "C" __global__ void softmax_xent_rows_f32(const float* logits, long long ls0, long long ls1, const int* labels,
                                                 int R, int C, float* rowloss, int* bad) {
    FOR_EACH(r, R) {
        const float* row = logits + r * ls0;
        int label = labels[r];
        if (label < 0 || label >= C) {
            atomicCAS(bad, 0, (int) r + 1);
            rowloss[r] = __int_as_float(0x7fc00000);
            continue;
        }
        float mx = row[0];
        for (int c = 1; c < C; c++) mx = fmaxf(mx, row[c * ls1]);
        float s = 0.f;
        for (int c = 0; c < C; c++) s += expf(row[c * ls1] - mx);
        rowloss[r] = logf(s) + mx - row[label * ls1];
    }
}

// dlogits[r][c] = dloss * (softmax(logits[r])[c] - (c == label)) / R. One thread per row, as above.
// Reads logits, labels, *dloss; writes dlogits (row stride ds0, column stride ds1).
extern "C" __global__ void softmax_xent_grad_f32(const float* logits, long long ls0, long long ls1, const int* labels,
                                                 const float* dloss, float* dlogits, long long ds0, long long ds1,
                                                 int R, int C) {
    FOR_EACH(r, R) {
        const float* row = logits + r * ls0;
        int label = labels[r];
        float mx = row[0];
        for (int c = 1; c < C; c++) mx = fmaxf(mx, row[c * ls1]);
        float s = 0.f;
        for (int c = 0; c < C; c++) s += expf(row[c * ls1] - mx);
        float k = dloss[0] / R, inv = 1.f / s;
        for (int c = 0; c < C; c++) {
            float p = expf(row[c * ls1] - mx) * inv;
            dlogits[r * ds0 + c * ds1] = k * (p - (c == label ? 1.f : 0.f));
        }
    }
}

#define DIMS int n1, int n2, int n3
#define STRIDES(p) long long p##0, long long p##1, long long p##2, long long p##3
#define AT(p, i) offset4(i, n1, n2, n3, p##0, p##1, p##2, p##3)

// sq[i] = (pred - target)^2 into a contiguous temporary, for sum_scaled_f32 to average. 1-D grid-stride.
extern "C" __global__ void squared_error_f32(const float* pred, STRIDES(p), const float* target, STRIDES(t), float* sq,
                                             long long n, DIMS) {
    FOR_EACH(i, n) { float d = pred[AT(p, i)] - target[AT(t, i)]; sq[i] = d * d; }
}

// dpred = dloss * 2 (pred - target) / n. 1-D grid-stride. Reads pred, target, *dloss; writes dpred.
extern "C" __global__ void squared_error_grad_f32(const float* pred, STRIDES(p), const float* target, STRIDES(t),
                                                  const float* dloss, float* dpred, STRIDES(d), long long n, DIMS) {
    float k = 2.f * dloss[0] / (float) n;
    FOR_EACH(i, n) dpred[AT(d, i)] = k * (pred[AT(p, i)] - target[AT(t, i)]);
}
