// Embedding lookups. Shape legend: table [V, E] (strides ts0, ts1), indices int [n] (contiguous),
// rows [n, E] (strides rs0, rs1).
#include "common.cuh"

// out[i, :] = table[indices[i], :]. 1-D grid-stride over n*E elements. An index outside [0, V) sets
// *bad to 1 + its position and writes NaN. Reads table, indices; writes out.
extern "C" __global__ void gather_rows_f32(const float* table, long long ts0, long long ts1, const int* indices, int V,
                                           float* out, long long rs0, long long rs1, int n, int E, int* bad) {
    FOR_EACH(k, (long long) n * E) {
        int i = k / E, e = k % E, v = indices[i];
        if (v < 0 || v >= V) {
            atomicCAS(bad, 0, i + 1);
            out[i * rs0 + e * rs1] = __int_as_float(0x7fc00000);
        } else {
            out[i * rs0 + e * rs1] = table[v * ts0 + e * ts1];
        }
    }
}

// table[indices[i], :] += src[i, :] for every i. 1-D grid-stride over V*E table elements: each
// thread owns one table element and adds the rows that name it in index order, so repeated indices
// add up deterministically without atomics. Reads src, indices, table; writes table.
extern "C" __global__ void scatter_add_rows_f32(const float* src, long long rs0, long long rs1, const int* indices, int n,
                                                float* table, long long ts0, long long ts1, int V, int E) {
    FOR_EACH(k, (long long) V * E) {
        int v = k / E, e = k % E;
        float s = table[v * ts0 + e * ts1];
        for (int i = 0; i < n; i++) if (indices[i] == v) s += src[i * rs0 + e * rs1];
        table[v * ts0 + e * ts1] = s;
    }
}

// Index validation for the kernels that take indices or labels, so a bad index costs no
// synchronisation: the host reads the record when it next reads anything. record[0..3] = {1 + position,
// index, limit, op} of an index outside [0, limit) (the first recorded wins; record[0] stays 0 while
// all are valid). With packed non-null, also packs the indices (element stride `stride`) contiguously
// for the kernels above, which read them contiguous. 1-D grid-stride over n. Reads idx; writes record, packed.
extern "C" __global__ void check_indices_i32(const int* idx, long long stride, int n, int limit, int op, int* record,
                                             int* packed) {
    FOR_EACH(i, n) {
        int v = idx[i * stride];
        if (packed) packed[i] = v;
        if ((v < 0 || v >= limit) && atomicCAS(record, 0, (int) i + 1) == 0) {
            record[1] = v;
            record[2] = limit;
            record[3] = op;
        }
    }
}
