package dev.hyperweave.backend.cpu;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.KernelChecks;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The cpu backend's matrix product: a Goto/BLIS-style GEMM on the Vector API.
 *
 * <p>Blocks of B (KC x NC) and A (MC x KC) are packed from the tensors' memory segments (any
 * strides; bulk-copy fast paths for unit stride along either dimension, i.e. plain and transposed
 * operands) into per-worker {@code float[]} panels preallocated at construction. A register-blocked
 * micro-kernel runs over the packed panels: with AVX-512, 8 rows x 2 vectors of 16 lanes (16
 * accumulators of the 32 zmm registers); with AVX2, 4 rows x 2 vectors of 8 lanes (8 of the 16 ymm
 * registers; 8 rows would spill), row tile by row tile: the A panel stays in L1 while B's packed
 * panels stream from L2, and C is written in whole row runs. The epilogue is fused: c = act(acc +
 * bias) for act NONE or RELU, or c += acc (tanh, sigmoid and elu are CpuBackend's element-wise pass
 * after the product). The kernel parks its tile in a scratch array and a separate, never-inlined
 * method updates C, so that no vector crosses a call or a branch merge (C2 boxes them in some
 * compilations otherwise); where C is just the product, a kernel without branches stores the tile
 * itself ({@link #kernel8Store}).
 *
 * <p>Edges: A and B panels are zero-padded to MR rows / NR columns, so every tile runs the same
 * kernel; tiles that are partial, or whose C has a non-unit column stride, spill the accumulators to
 * a small scratch array and finish in scalar code that performs the same float operations in the
 * same order as the vector path.
 *
 * <p>A product with few rows, many columns and a transposed B (the W1 head's forward, x @ W^T with a
 * 26122 x 256 W), or with very few columns (a 10-class layer), is computed as C^T = B^T A^T: W's
 * contiguous rows are then broadcast straight from the tensor's memory ({@link #kernel8Rows}; each
 * row serves one or two tiles, so packing would only add a pass over 27 MB: reading in place made
 * the product 10-15% faster), and each tile is transposed in registers on its way to C. As a
 * transposed B, W would need register transposes while packing, which ran at half the copy's
 * speed. Only where AVX-512 has the transposes.
 *
 * <p>Parallelism: a static split over batch x (row or column slices); over K only for a small C
 * over a long K, in fixed chunks (SPLIT_K_CHUNKS) whatever the thread count, whose partial products
 * are added in chunk order. Each C element is computed by the same sequence of float operations
 * whatever tile, slice or worker it falls in, so results are bit-identical across calls and across
 * thread counts.
 *
 * <p>A call allocates nothing after construction (the {@link WorkerPool.Task} is a field; operands
 * are passed through fields), so an instance is driven by one thread at a time, like its pool.
 */
public final class CpuMatmul {

    /** 512-bit vectors where the CPU has them (AVX-512: twice the work per FMA), else 256-bit. */
    public static final VectorSpecies<Float> SPECIES =
            FloatVector.SPECIES_PREFERRED.length() >= 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final int L = SPECIES.length(); // a constant once the class is initialised
    /**
     * Register tile MR x NR = MR rows x 2 vectors: 8 rows (16 accumulators) with AVX-512's 32 vector
     * registers, 4 rows (8 accumulators) with AVX2's 16, where 8 rows would spill.
     */
    static final int MR = L >= 16 ? 8 : 4, NR = 2 * L;
    /**
     * The low MR lanes, for the swapped product's transposed stores. Only SPECIES appears in the hot
     * paths: a second vector shape (a 256-bit species for 8-float pieces) made the JDK's shared
     * vector code see two classes, and in some JVMs C2 then compiled it without intrinsics and boxed
     * vectors (NoAllocationTest failed in CI).
     */
    private static final VectorMask<Float> LOW = SPECIES.indexInRange(0, MR);
    /** Cache blocking: depth of a packed block, rows of a packed A block, columns of a packed B block. */
    static final int KC = 256, MC = 128, NC = 4096;
    /** Columns of a packed B block when M fits one MC block: 256 x 512 floats = 512 KB, within L2. */
    static final int NC_ONE_PASS = 512;
    /**
     * A product with at most this many rows, at least {@link #SWAP_MIN_N} columns and a transposed
     * (column-contiguous) B is computed as C^T = B^T A^T: the large operand is then an A of contiguous
     * rows, read in place, where as a transposed B it would go through register transposes
     * (the W1 head's forward product: its 26122 x 256 weight). So is one with at most NR / 2 columns
     * and at least 4 NR rows: its few columns become rows, filling MR-row tiles instead of a sliver
     * of an NR-column one (the target networks' 10-class layer in W1's step at 2 threads: 0.34 ->
     * 0.26 ms). When first tried, one W2 JVM in three then boxed vectors; the causes found since
     * (a second vector shape, per-vector exp calls) are gone, and 12 JVMs plus the no-inline
     * allocation test showed none.
     */
    static final int SWAP_MAX_M = 64, SWAP_MIN_N = 1024;
    /**
     * A product with a small C (at most SPLIT_K_MAX_MN elements, one batch) and a long K (at least
     * SPLIT_K_MIN_K) is cut along K into SPLIT_K_CHUNKS fixed chunks whose partial products the
     * workers share out and the caller sums in chunk order: W1's dX (32 x 256 over K = 26122), where
     * cutting its 256 columns left each worker 512-byte pieces of the weight's rows to stream. The
     * chunks do not depend on the thread count (12 divides among 1, 2, 3, 4 and 6 workers), so neither
     * do the results.
     */
    static final int SPLIT_K_CHUNKS = 12, SPLIT_K_MIN_K = 8192, SPLIT_K_MAX_MN = 16384;
    /**
     * Rows of B packed per pass in the plain-layout B packer: fewer rows are fewer concurrent streams
     * for the hardware prefetchers (W3's 256 x 26122 B from DRAM: 8 rows 14 GB/s, 16 rows 12, 32 rows 9).
     */
    private static final int PACK_ROWS = 8;

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private final WorkerPool pool;
    private final float[][] packA, packB, tmp, biasBuf, scratch, tile;
    private final WorkerPool.Task task = this::work, splitKTask = this::splitKWork;
    /**
     * Partial products of the K chunks, SPLIT_K_MAX_MN floats each, allocated by the first call that
     * splits K and freed by {@link #close}. Native like the tensors: a heap segment (ofArray) passing
     * through the same Vector API loads and stores made their profiles see two segment classes, and
     * C2 then stopped intrinsifying vector code all over the engine (Adam 3.7 -> 8.5 ms per W1 step).
     */
    private final Arena nativeArena = Arena.ofShared();
    private MemorySegment partials;
    /**
     * Per worker, MR rows of KC floats: the swapped product's last row tile when it has fewer than MR
     * rows, zero-padded (full tiles read A in place). Native for the same reason as the partials.
     */
    private final MemorySegment[] edgeA;

    // ---- operands of the current call (set before pool.run; the pool's volatile hand-off publishes them)
    private MemorySegment aSeg, bSeg, cSeg, biasSeg;
    private long aOff, aS0, aS1, aS2, bOff, bS0, bS1, bS2, cOff, cS0, cS1, cS2, biasOff, biasS0, biasS1;
    private int bs, m, n, k;
    private boolean relu; // the epilogue's activation: RELU, or NONE
    private boolean accumulate, hasBias;
    /**
     * The operands were swapped (C^T = B^T A^T): A, contiguous along K, is read in place and the bias
     * runs along rows.
     */
    private boolean swapped;

    public CpuMatmul(WorkerPool pool) {
        this.pool = pool;
        int w = pool.threads();
        packA = new float[w][MC * KC];
        packB = new float[w][KC * NC];
        tmp = new float[w][Math.max(16 * KC, MC)];
        biasBuf = new float[w][NC];
        scratch = new float[w][MR * NR + 1]; // + kernel8Rows's sink
        tile = new float[w][MR * NR + L]; // storeTransposed loads whole vectors from j*MR
        edgeA = new MemorySegment[w];
        for (int i = 0; i < w; i++) edgeA[i] = nativeArena.allocate((long) MR * KC * 4, 64);
    }

    /**
     * c = act(a @ b + bias) or c += a @ b. a [B,M,K], b [B,K,N], c [B,M,N], all F32 with arbitrary
     * strides; bias null or [B,N] (batch stride may be 0).
     */
    public void matmul(Tensor a, Tensor b, Tensor c, Tensor bias, Activation act, boolean accumulate) {
        KernelChecks.matmul(a, b, c, bias, act, accumulate);
        KernelChecks.dtype("matmul", "a", a, DType.F32);
        KernelChecks.dtype("matmul", "b", b, DType.F32);
        KernelChecks.dtype("matmul", "c", c, DType.F32);
        if (bias != null) KernelChecks.dtype("matmul", "bias", bias, DType.F32);
        if (act == null) throw new IllegalArgumentException("matmul: activation must not be null");
        if (act != Activation.NONE && act != Activation.RELU) {
            // Per element in the epilogue's scalar code they made the product 4-6x slower than the
            // element-wise kernel after it (bias + tanh after 4096x128x128 at 1 thread: 7.97 ms, 1.96).
            throw new IllegalArgumentException("matmul: CpuMatmul fuses NONE or RELU, not " + act
                    + " (CpuBackend.matmul applies tanh, sigmoid and elu after the product)");
        }
        bs = c.dim(0); m = c.dim(1); n = c.dim(2); k = a.dim(2);
        if (bs == 0 || m == 0 || n == 0) return;
        if (k == 0 && accumulate) return;
        aSeg = a.segment(); aOff = a.offset(); aS0 = a.stride(0); aS1 = a.stride(1); aS2 = a.stride(2);
        bSeg = b.segment(); bOff = b.offset(); bS0 = b.stride(0); bS1 = b.stride(1); bS2 = b.stride(2);
        cSeg = c.segment(); cOff = c.offset(); cS0 = c.stride(0); cS1 = c.stride(1); cS2 = c.stride(2);
        hasBias = bias != null;
        if (hasBias) {
            biasSeg = bias.segment(); biasOff = bias.offset(); biasS0 = bias.stride(0); biasS1 = bias.stride(1);
        }
        this.relu = act == Activation.RELU;
        this.accumulate = accumulate;
        swapped = PanelTranspose.AVAILABLE && bS1 == 1 && bS2 != 1 && k > 0
                && (m <= SWAP_MAX_M && n >= SWAP_MIN_N || 2 * n <= NR && m >= 4 * NR) && (!hasBias || biasS1 == 1);
        if (swapped) swapOperands();
        boolean splitK = !swapped && bs == 1 && k >= SPLIT_K_MIN_K && (long) m * n <= SPLIT_K_MAX_MN;
        try {
            if (splitK) {
                if (partials == null) partials = nativeArena.allocate((long) SPLIT_K_CHUNKS * SPLIT_K_MAX_MN * 4, 64);
                pool.run(splitKTask);
                sumPartials();
            } else {
                pool.run(task);
            }
        } finally {
            aSeg = bSeg = cSeg = biasSeg = null;
        }
    }

    /** Frees the native buffers (split-K partials, edge tiles); no call may follow. */
    public void close() {
        nativeArena.close();
    }

    /** a, b, c := b^T, a^T, c^T (strides only; the memory is the same). */
    private void swapOperands() {
        MemorySegment seg = aSeg;
        aSeg = bSeg;
        bSeg = seg;
        long off = aOff, s0 = aS0, s1 = aS1, s2 = aS2;
        aOff = bOff; aS0 = bS0; aS1 = bS2; aS2 = bS1;
        bOff = off; bS0 = s0; bS1 = s2; bS2 = s1;
        long c1 = cS1;
        cS1 = cS2;
        cS2 = c1;
        int rows = m;
        m = n;
        n = rows;
    }

    // ---- static work split ---------------------------------------------------------------------

    /** Worker body: takes a contiguous range of (batch, slice) units; slices cut N (by 16) or M (by 4). */
    private void work(int w, int workers) {
        int slices;
        if (bs % workers == 0 || bs >= 4 * workers) slices = 1;
        else slices = workers / gcd(bs, workers);
        boolean splitN = n >= m;
        int units = bs * slices;
        int u0 = WorkerPool.rangeStart(units, w, workers), u1 = WorkerPool.rangeStart(units, w + 1, workers);
        for (int u = u0; u < u1; u++) {
            int t = u / slices, s = u % slices;
            int i0 = 0, i1 = m, j0 = 0, j1 = n;
            if (splitN) {
                int blocks = (n + NR - 1) / NR;
                j0 = WorkerPool.rangeStart(blocks, s, slices) * NR;
                j1 = Math.min(n, WorkerPool.rangeStart(blocks, s + 1, slices) * NR);
            } else {
                int blocks = (m + MR - 1) / MR;
                i0 = WorkerPool.rangeStart(blocks, s, slices) * MR;
                i1 = Math.min(m, WorkerPool.rangeStart(blocks, s + 1, slices) * MR);
            }
            if (i0 < i1 && j0 < j1) block(w, t, i0, i1, j0, j1, 0, k, cSeg, cOff + t * cS0, cS1, cS2, false);
        }
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int r = a % b;
            a = b;
            b = r;
        }
        return a;
    }

    /** Worker body of a split K: whole partial products of its share of the chunks. */
    private void splitKWork(int w, int workers) {
        // Chunks of whole KC blocks, as even as they go: no more depth passes than without the split.
        int blocks = (k + KC - 1) / KC;
        int c0 = WorkerPool.rangeStart(SPLIT_K_CHUNKS, w, workers), c1 = WorkerPool.rangeStart(SPLIT_K_CHUNKS, w + 1, workers);
        for (int c = c0; c < c1; c++) {
            int k0 = Math.min(k, WorkerPool.rangeStart(blocks, c, SPLIT_K_CHUNKS) * KC);
            int k1 = Math.min(k, WorkerPool.rangeStart(blocks, c + 1, SPLIT_K_CHUNKS) * KC);
            long at = (long) c * SPLIT_K_MAX_MN;
            if (k0 < k1) block(w, 0, 0, m, 0, n, k0, k1, partials, at, n, 1, true);
            else partials.asSlice(at * 4, (long) m * n * 4).fill((byte) 0);
        }
    }

    /** C (+)= act(sum of the partials, in chunk order, + bias): the epilogue of a split K. */
    private void sumPartials() {
        // Scalar on purpose: small, once per call, and no Vector API code that C2 might compile
        // without its intrinsics (see CpuBackend.addInto).
        MemorySegment p = partials;
        int mn = m * n;
        for (int c = 1; c < SPLIT_K_CHUNKS; c++) {
            long from = (long) c * SPLIT_K_MAX_MN * 4;
            for (int i = 0; i < mn; i++) p.set(F, 4L * i, p.get(F, 4L * i) + p.get(F, from + 4L * i));
        }
        boolean useBias = hasBias && !accumulate;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long o = (cOff + (long) i * cS1 + (long) j * cS2) * 4;
                float v = p.get(F, 4L * (i * n + j));
                if (accumulate) v = cSeg.get(F, o) + v;
                else {
                    if (useBias) v = v + biasSeg.get(F, (biasOff + (long) j * biasS1) * 4);
                    if (relu) v = reluOf(v);
                }
                cSeg.set(F, o, v);
            }
        }
    }

    /**
     * C[t, i0:i1, j0:j1] (over K range [k0, k1)) on worker w, into the C whose batch t starts at
     * cBase in cs, rows cRow and columns cCol floats apart. plain: C = A @ B only (a split K's
     * partial: no bias, no activation, no accumulation).
     */
    private void block(int w, int t, int i0, int i1, int j0, int j1, int k0, int k1, MemorySegment cs, long cBase, long cRow, long cCol,
                       boolean plain) {
        float[] pa = packA[w], pb = packB[w], bb = biasBuf[w], sc = scratch[w], tt = tile[w];
        boolean accumulate = !plain && this.accumulate;
        boolean reluAct = !plain && relu;
        boolean useBias = hasBias && !accumulate && !plain;
        long cRowBytes = cRow * 4, cColBytes = cCol * 4;
        // With all rows in one MC block, each packed B block is used by one pass only: keep it small
        // enough to stay in L2 between packing and use (a 4 MB block went out to L3 and back).
        int ncBlock = i1 - i0 <= MC ? NC_ONE_PASS : NC;
        // The A block in pa is reused across column blocks: the skinny 32x256 @ 256x26122 packed the
        // same A 51 times (68.6 -> 70.9 GFLOP/s at 1 thread, 137 -> 144 at 2).
        int packedIc = -1, packedPc = -1;
        for (int jc = j0; jc < j1; jc += ncBlock) {
            int nc = Math.min(ncBlock, j1 - jc);
            if (useBias && !swapped) packBias(bb, t, jc, nc);
            if (k == 0) {
                zeroK(t, i0, i1, jc, nc, useBias ? bb : null);
                continue;
            }
            for (int pc = k0; pc < k1; pc += KC) {
                int kc = Math.min(KC, k1 - pc);
                // B's rows whole and adjacent (a weight of shape [K, N]) and all rows of C in one pass:
                // one copy keeps B row-major and the kernel steps ldb = n floats per depth. Packing
                // cost more than it saved here (W1's dX: 7.1 -> 6.1 ms), but where many row blocks
                // reuse B the packed panels' short stride is faster (1024^3: 95 vs 93 GFLOP/s).
                boolean rowB = bS2 == 1 && bS1 == n && nc == n && n % NR == 0 && i1 - i0 <= MC;
                int ldb = rowB ? n : NR;
                if (rowB) MemorySegment.copy(bSeg, F, (bOff + t * bS0 + (long) pc * bS1) * 4, pb, 0, kc * n);
                else packB(w, pb, t, pc, kc, jc, nc);
                boolean load = accumulate || pc > k0;
                boolean finish = !accumulate && pc + kc >= k1;
                // C = acc exactly (no C to add, no epilogue) into unit-stride rows: the kernel stores
                // full tiles itself.
                boolean direct = MR == 8 && !swapped && !load && cColBytes == 4 && (!finish || (!useBias && !reluAct));
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    if (useBias && swapped && finish) packBias(bb, t, ic, mc);
                    if (!swapped && (ic != packedIc || pc != packedPc)) {
                        packA(w, pa, t, ic, mc, pc, kc);
                        packedIc = ic;
                        packedPc = pc;
                    }
                    long aRow = (aOff + t * aS0 + (long) ic * aS1 + pc) * 4; // swapped: aS2 == 1
                    long rowBase = cBase + (long) ic * cRow;
                    int tilesJ = (nc + NR - 1) / NR, tilesI = (mc + MR - 1) / MR;
                    // Row tile by row tile: the A panel stays in L1 while B's panels stream from L2,
                    // and C is written in whole row runs, not a 128-byte piece of each of the block's
                    // rows per panel. Against panel by panel (B panel in L1, A block from L2) at 1
                    // thread: 1024^3 22.2 -> 20.6 ms, 32x256 @ 256x26122 5.93 -> 5.76, 128 rows
                    // 18.3 -> 17.2, W1's dW (K = 32) 2.9 ms less; batched 128^3 and 4096x128x128 the same.
                    for (int ti = 0; ti < tilesI; ti++) {
                        for (int tj = 0; tj < tilesJ; tj++) {
                            int jr = tj * NR, ir = ti * MR;
                            int nr = Math.min(NR, nc - jr), mr = Math.min(MR, mc - ir);
                            long cTile = (rowBase + (long) (jc + jr) * cCol) * 4 + ir * cRowBytes;
                            int bi = rowB ? jr : jr * kc;
                            if (swapped && mr == MR) {
                                long at = aRow + ir * aS1 * 4;
                                long next = ic + ir + 2 * MR <= m ? at + MR * aS1 * 4 : at;
                                kernel8Rows(aSeg, at, aS1 * 4, pb, bi, ldb, kc, sc, next);
                            } else if (swapped) kernel8Rows(edgeRows(w, aRow + ir * aS1 * 4, mr, kc), 0, kc * 4L, pb, bi, ldb, kc, sc, 0);
                            else if (direct && mr == MR && nr == NR) {
                                kernel8Store(pa, ir * kc, pb, bi, ldb, kc, cs, cTile, cRowBytes);
                                continue;
                            } else if (MR == 8) kernel8(pa, ir * kc, pb, bi, ldb, kc, sc);
                            else kernel4(pa, ir * kc, pb, bi, ldb, kc, sc);
                            if (swapped) {
                                boolean addBias = finish && useBias, relu = finish && reluAct;
                                if (mr == MR && nr == NR && cRowBytes == 4) {
                                    storeTransposed(sc, tt, cs, cTile, cColBytes, load, addBias, relu, bb, ir);
                                } else {
                                    storeScalar(sc, cs, cTile, cRowBytes, cColBytes, mr, nr, load, finish, useBias ? bb : null, ir, true, reluAct);
                                }
                            } else if (nr == NR && cColBytes == 4) {
                                boolean addBias = finish && useBias, relu = finish && reluAct;
                                for (int r = 0; r < mr; r++) {
                                    storeRow(sc, r * NR, cs, cTile + r * cRowBytes, load, addBias, relu, bb, jr);
                                }
                            } else {
                                storeScalar(sc, cs, cTile, cRowBytes, cColBytes, mr, nr, load, finish, useBias ? bb : null, jr, false, reluAct);
                            }
                        }
                    }
                }
            }
        }
    }

    /** K == 0 (and not accumulating): c = act(bias) or act(0). */
    private void zeroK(int t, int i0, int i1, int jc, int nc, float[] bb) {
        for (int i = i0; i < i1; i++) {
            long row = cOff + t * cS0 + (long) i * cS1;
            for (int j = 0; j < nc; j++) {
                float v = bb != null ? 0f + bb[j] : 0f;
                cSeg.set(F, (row + (long) (jc + j) * cS2) * 4, relu ? reluOf(v) : v);
            }
        }
    }

    // ---- packing -------------------------------------------------------------------------------

    private void packBias(float[] bb, int t, int jc, int nc) {
        long base = biasOff + t * biasS0 + (long) jc * biasS1;
        if (biasS1 == 1) {
            MemorySegment.copy(biasSeg, F, base * 4, bb, 0, nc);
        } else {
            for (int j = 0; j < nc; j++) bb[j] = biasSeg.get(F, (base + j * biasS1) * 4);
        }
    }

    /**
     * B[t, pc:pc+kc, jc:jc+nc] into panels of 16 columns: panel q at q*kc*16, element (p, jj) at
     * +p*16+jj; columns past nc are zero.
     */
    private void packB(int w, float[] pb, int t, int pc, int kc, int jc, int nc) {
        long base = bOff + t * bS0 + (long) pc * bS1 + (long) jc * bS2;
        int full = nc / NR, rem = nc - full * NR;
        int panelSize = kc * NR;
        if (bS2 == 1) {
            // Rows contiguous: stream groups of PACK_ROWS rows straight from the segment, so each
            // panel receives one contiguous run of writes per group (writing one row at a time into
            // every panel strides the writes kc*64 bytes apart and thrashes the cache sets).
            long rowBytes = bS1 * 4;
            for (int p0 = 0; p0 < kc; p0 += PACK_ROWS) {
                int rows = Math.min(PACK_ROWS, kc - p0);
                long src0 = (base + (long) p0 * bS1) * 4;
                for (int q = 0; q < full; q++) {
                    int dst = q * panelSize + p0 * NR;
                    long src = src0 + (long) q * NR * 4;
                    for (int p = 0; p < rows; p++, dst += NR, src += rowBytes) {
                        FloatVector.fromMemorySegment(SPECIES, bSeg, src, ORDER).intoArray(pb, dst);
                        FloatVector.fromMemorySegment(SPECIES, bSeg, src + 4 * L, ORDER).intoArray(pb, dst + L);
                    }
                }
                if (rem > 0) {
                    for (int p = p0; p < p0 + rows; p++) {
                        int dst = full * panelSize + p * NR;
                        long src = base + p * bS1 + full * NR;
                        for (int jj = 0; jj < rem; jj++) pb[dst + jj] = bSeg.get(F, (src + jj) * 4);
                        for (int jj = rem; jj < NR; jj++) pb[dst + jj] = 0f;
                    }
                }
            }
        } else if (bS1 == 1) {
            // Columns contiguous (transposed B): copy columns through tmp; 16 at a time transposed in
            // registers where there is AVX-512, else one at a time with scalar stores.
            float[] col = tmp[w];
            int j = 0;
            if (PanelTranspose.AVAILABLE && (long) bs * n * k >= PanelTranspose.MIN_ELEMENTS) {
                for (; j + 16 <= full * NR; j += 16) {
                    for (int c = 0; c < 16; c++) MemorySegment.copy(bSeg, F, (base + (j + c) * bS2) * 4, col, c * KC, kc);
                    PanelTranspose.rows16(col, KC, pb, (j / NR) * panelSize + (j % NR), NR, kc);
                }
            }
            for (; j < nc; j++) {
                MemorySegment.copy(bSeg, F, (base + j * bS2) * 4, col, 0, kc);
                int dst = (j / NR) * panelSize + (j % NR);
                for (int p = 0; p < kc; p++) pb[dst + p * NR] = col[p];
            }
            zeroTailColumns(pb, full, rem, kc);
        } else {
            for (int j = 0; j < nc; j++) {
                int dst = (j / NR) * panelSize + (j % NR);
                long src = base + j * bS2;
                for (int p = 0; p < kc; p++) pb[dst + p * NR] = bSeg.get(F, (src + p * bS1) * 4);
            }
            zeroTailColumns(pb, full, rem, kc);
        }
    }

    private static void zeroTailColumns(float[] pb, int full, int rem, int kc) {
        if (rem == 0) return;
        int base = full * kc * NR;
        for (int p = 0; p < kc; p++) {
            for (int jj = rem; jj < NR; jj++) pb[base + p * NR + jj] = 0f;
        }
    }

    /**
     * A[t, ic:ic+mc, pc:pc+kc] into panels of 4 rows: panel q at q*kc*4, element (r, p) at +p*4+r;
     * rows past mc are zero.
     */
    private void packA(int w, float[] pa, int t, int ic, int mc, int pc, int kc) {
        long base = aOff + t * aS0 + (long) ic * aS1 + (long) pc * aS2;
        int panels = (mc + MR - 1) / MR;
        float[] buf = tmp[w];
        if (aS2 == 1) {
            // Rows contiguous: copy MR rows into tmp, then interleave.
            for (int q = 0; q < panels; q++) {
                int rows = Math.min(MR, mc - q * MR);
                for (int r = 0; r < rows; r++) {
                    MemorySegment.copy(aSeg, F, (base + (long) (q * MR + r) * aS1) * 4, buf, r * KC, kc);
                }
                for (int r = rows; r < MR; r++) java.util.Arrays.fill(buf, r * KC, r * KC + kc, 0f);
                int dst = q * kc * MR;
                if (PanelTranspose.AVAILABLE && (long) bs * m * k >= PanelTranspose.MIN_ELEMENTS) {
                    PanelTranspose.rows8(buf, KC, pa, dst, kc);
                } else {
                    for (int p = 0; p < kc; p++, dst += MR) {
                        for (int r = 0; r < MR; r++) pa[dst + r] = buf[r * KC + p];
                    }
                }
            }
        } else if (aS1 == 1) {
            // Columns contiguous (transposed A): the MR rows of a panel at one p are MR adjacent
            // floats of the column; one array copy each (a scalar loop was 5-10% slower on dW).
            int padded = panels * MR;
            for (int p = 0; p < kc; p++) {
                MemorySegment.copy(aSeg, F, (base + p * aS2) * 4, buf, 0, mc);
                for (int i = mc; i < padded; i++) buf[i] = 0f;
                int dst = p * MR;
                for (int q = 0; q < panels; q++, dst += kc * MR) System.arraycopy(buf, q * MR, pa, dst, MR);
            }
        } else {
            for (int q = 0; q < panels; q++) {
                for (int r = 0; r < MR; r++) {
                    int i = q * MR + r;
                    int dst = q * kc * MR + r;
                    if (i < mc) {
                        long src = base + (long) i * aS1;
                        for (int p = 0; p < kc; p++) pa[dst + p * MR] = aSeg.get(F, (src + p * aS2) * 4);
                    } else {
                        for (int p = 0; p < kc; p++) pa[dst + p * MR] = 0f;
                    }
                }
            }
        }
    }

    /**
     * The swapped product's last mr < MR rows (from byte offset at, rows aS1 apart), padded to MR with
     * zero rows: their accumulators are never stored, but stale floats there could be subnormals,
     * which slow the FMAs on some CPUs.
     */
    private MemorySegment edgeRows(int w, long at, int mr, int kc) {
        MemorySegment e = edgeA[w];
        e.fill((byte) 0); // whole: a slice per row would be an allocation per call
        for (int r = 0; r < mr; r++) MemorySegment.copy(aSeg, at + r * aS1 * 4, e, (long) r * kc * 4, kc * 4L);
        return e;
    }

    // ---- micro-kernel --------------------------------------------------------------------------

    /**
     * One 8 x NR tile (AVX-512): acc = A panel (from pa[ai]) @ B panel (from pb[bi], its rows ldb
     * floats apart) over kc, parked in scratch (row r at r*NR) for block() to update C.
     */
    private static void kernel8(float[] pa, int ai, float[] pb, int bi, int ldb, int kc, float[] scratch) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES), c51 = FloatVector.zero(SPECIES);
        FloatVector c60 = FloatVector.zero(SPECIES), c61 = FloatVector.zero(SPECIES);
        FloatVector c70 = FloatVector.zero(SPECIES), c71 = FloatVector.zero(SPECIES);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bi + L);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, pa[ai + 0]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SPECIES, pa[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SPECIES, pa[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SPECIES, pa[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(SPECIES, pa[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(SPECIES, pa[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(SPECIES, pa[ai + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(SPECIES, pa[ai + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
            ai += MR;
            bi += ldb;
        }
        // Park the tile; block() updates C. Branches that merge live accumulators, or a C update
        // compiled into this method, made C2 box them in some compilations (allocation, 6x slower).
        c00.intoArray(scratch, 0 * NR);
        c01.intoArray(scratch, 0 * NR + L);
        c10.intoArray(scratch, 1 * NR);
        c11.intoArray(scratch, 1 * NR + L);
        c20.intoArray(scratch, 2 * NR);
        c21.intoArray(scratch, 2 * NR + L);
        c30.intoArray(scratch, 3 * NR);
        c31.intoArray(scratch, 3 * NR + L);
        c40.intoArray(scratch, 4 * NR);
        c41.intoArray(scratch, 4 * NR + L);
        c50.intoArray(scratch, 5 * NR);
        c51.intoArray(scratch, 5 * NR + L);
        c60.intoArray(scratch, 6 * NR);
        c61.intoArray(scratch, 6 * NR + L);
        c70.intoArray(scratch, 7 * NR);
        c71.intoArray(scratch, 7 * NR + L);
    }

    /**
     * As {@link #kernel8}, storing the tile straight into C (row r at byte offset o + r*ldc) when C is
     * just the product: a separate method without branches, so the accumulators flow from the FMAs
     * to the stores. Parking them first doubled the stores per tile, and with C's lines missing the
     * cache the stores queued behind each other (W1's dW, 26122 x 256 with K = 32: 3.3-3.4 -> 2.9-3.0
     * ms at 2 threads; the batched 128^3 products 2-5% faster).
     */
    private static void kernel8Store(float[] pa, int ai, float[] pb, int bi, int ldb, int kc, MemorySegment c, long o, long ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES), c51 = FloatVector.zero(SPECIES);
        FloatVector c60 = FloatVector.zero(SPECIES), c61 = FloatVector.zero(SPECIES);
        FloatVector c70 = FloatVector.zero(SPECIES), c71 = FloatVector.zero(SPECIES);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bi + L);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, pa[ai + 0]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SPECIES, pa[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SPECIES, pa[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SPECIES, pa[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(SPECIES, pa[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(SPECIES, pa[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(SPECIES, pa[ai + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(SPECIES, pa[ai + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
            ai += MR;
            bi += ldb;
        }
        c00.intoMemorySegment(c, o, ORDER);
        c01.intoMemorySegment(c, o + 4 * L, ORDER);
        c10.intoMemorySegment(c, o + ldc, ORDER);
        c11.intoMemorySegment(c, o + ldc + 4 * L, ORDER);
        c20.intoMemorySegment(c, o + 2 * ldc, ORDER);
        c21.intoMemorySegment(c, o + 2 * ldc + 4 * L, ORDER);
        c30.intoMemorySegment(c, o + 3 * ldc, ORDER);
        c31.intoMemorySegment(c, o + 3 * ldc + 4 * L, ORDER);
        c40.intoMemorySegment(c, o + 4 * ldc, ORDER);
        c41.intoMemorySegment(c, o + 4 * ldc + 4 * L, ORDER);
        c50.intoMemorySegment(c, o + 5 * ldc, ORDER);
        c51.intoMemorySegment(c, o + 5 * ldc + 4 * L, ORDER);
        c60.intoMemorySegment(c, o + 6 * ldc, ORDER);
        c61.intoMemorySegment(c, o + 6 * ldc + 4 * L, ORDER);
        c70.intoMemorySegment(c, o + 7 * ldc, ORDER);
        c71.intoMemorySegment(c, o + 7 * ldc + 4 * L, ORDER);
    }

    /**
     * As {@link #kernel8} with A row-major in a memory segment: row r of the tile at byte offset
     * ao + r*lda (the swapped product reads its A in place). A copy on purpose: one kernel with the row
     * stride as a parameter ran 25% slower on every shape (1024^3: 74 against 96 GFLOP/s), the eight
     * strided broadcast addresses costing registers.
     *
     * <p>Each step also reads one float of the next tile's rows (from byte offset next, rows lda
     * apart; 32 bytes apart along a row, so every line of the next kc floats of its 8 rows is read
     * about twice), summed into the scratch's last slot so that the loads stay. Java has no prefetch
     * instruction, and the eight interleaved row streams outran the hardware prefetchers: W1's head
     * forward (W, 27 MB, from memory) took 5.7 ms of kernel time at 1 thread without these loads,
     * 4.8 with them, 4.15 with W in cache. Pass the tile itself as next where there is no next tile.
     */
    private static void kernel8Rows(MemorySegment as, long ao, long lda, float[] pb, int bi, int ldb, int kc, float[] scratch, long next) {
        float touched = 0;
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES), c51 = FloatVector.zero(SPECIES);
        FloatVector c60 = FloatVector.zero(SPECIES), c61 = FloatVector.zero(SPECIES);
        FloatVector c70 = FloatVector.zero(SPECIES), c71 = FloatVector.zero(SPECIES);
        long a1 = ao + lda, a2 = ao + 2 * lda, a3 = ao + 3 * lda, a4 = ao + 4 * lda, a5 = ao + 5 * lda, a6 = ao + 6 * lda, a7 = ao + 7 * lda;
        for (int p = 0; p < kc; p++) {
            long q = 4L * p;
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bi + L);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, as.get(F, ao + q));
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SPECIES, as.get(F, a1 + q));
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SPECIES, as.get(F, a2 + q));
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SPECIES, as.get(F, a3 + q));
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(SPECIES, as.get(F, a4 + q));
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(SPECIES, as.get(F, a5 + q));
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(SPECIES, as.get(F, a6 + q));
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(SPECIES, as.get(F, a7 + q));
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
            touched += as.get(F, next + (p & 7) * lda + (p >> 3) * 32L);
            bi += ldb;
        }
        c00.intoArray(scratch, 0 * NR);
        c01.intoArray(scratch, 0 * NR + L);
        c10.intoArray(scratch, 1 * NR);
        c11.intoArray(scratch, 1 * NR + L);
        c20.intoArray(scratch, 2 * NR);
        c21.intoArray(scratch, 2 * NR + L);
        c30.intoArray(scratch, 3 * NR);
        c31.intoArray(scratch, 3 * NR + L);
        c40.intoArray(scratch, 4 * NR);
        c41.intoArray(scratch, 4 * NR + L);
        c50.intoArray(scratch, 5 * NR);
        c51.intoArray(scratch, 5 * NR + L);
        c60.intoArray(scratch, 6 * NR);
        c61.intoArray(scratch, 6 * NR + L);
        c70.intoArray(scratch, 7 * NR);
        c71.intoArray(scratch, 7 * NR + L);
        scratch[MR * NR] = touched;
    }

    /** As {@link #kernel8} with a 4 x NR tile, for AVX2's 16 vector registers. */
    private static void kernel4(float[] pa, int ai, float[] pb, int bi, int ldb, int kc, float[] scratch) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bi + L);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, pa[ai + 0]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SPECIES, pa[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SPECIES, pa[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SPECIES, pa[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            ai += MR;
            bi += ldb;
        }
        // Park the tile; block() updates C. Branches that merge live accumulators, or a C update
        // compiled into this method, made C2 box them in some compilations (allocation, 6x slower).
        c00.intoArray(scratch, 0 * NR);
        c01.intoArray(scratch, 0 * NR + L);
        c10.intoArray(scratch, 1 * NR);
        c11.intoArray(scratch, 1 * NR + L);
        c20.intoArray(scratch, 2 * NR);
        c21.intoArray(scratch, 2 * NR + L);
        c30.intoArray(scratch, 3 * NR);
        c31.intoArray(scratch, 3 * NR + L);
    }

    /**
     * The vector C update of one row of a full-width tile with unit column stride: C (+)= acc, then
     * bias, then relu. Small on purpose, and called from block(), not from the micro-kernel: compile
     * units holding many vector ops (the kernel plus an unrolled update) were intermittently not
     * intrinsified by C2, allocating on every op and running several times slower.
     */
    private static void storeRow(float[] acc, int at, MemorySegment c, long o, boolean load, boolean addBias, boolean relu,
                                 float[] bias, int bj) {
        FloatVector v0 = FloatVector.fromArray(SPECIES, acc, at);
        FloatVector v1 = FloatVector.fromArray(SPECIES, acc, at + L);
        if (load) {
            v0 = FloatVector.fromMemorySegment(SPECIES, c, o, ORDER).add(v0);
            v1 = FloatVector.fromMemorySegment(SPECIES, c, o + 4 * L, ORDER).add(v1);
        }
        if (addBias) {
            v0 = v0.add(FloatVector.fromArray(SPECIES, bias, bj));
            v1 = v1.add(FloatVector.fromArray(SPECIES, bias, bj + L));
        }
        if (relu) {
            // v > 0 ? v : +0, as the scalar path: NaN and -0 become +0.
            v0 = FloatVector.zero(SPECIES).blend(v0, v0.compare(VectorOperators.GT, 0f));
            v1 = FloatVector.zero(SPECIES).blend(v1, v1.compare(VectorOperators.GT, 0f));
        }
        v0.intoMemorySegment(c, o, ORDER);
        v1.intoMemorySegment(c, o + 4 * L, ORDER);
    }

    /**
     * The C update of a full tile of the swapped product, whose rows are contiguous in C: the tile is
     * transposed in registers (tt[j*MR + r] = acc[r*NR + j]), then each of its NR columns is the low
     * MR lanes of a vector. The same float operations, in the same order, as storeRow.
     */
    private static void storeTransposed(float[] acc, float[] tt, MemorySegment c, long o, long colBytes, boolean load, boolean addBias,
                                        boolean relu, float[] bias, int bi) {
        PanelTranspose.rows8(acc, NR, tt, 0, NR);
        for (int j = 0; j < NR; j++, o += colBytes) {
            FloatVector v = FloatVector.fromArray(SPECIES, tt, j * MR);
            if (load) v = FloatVector.fromMemorySegment(SPECIES, c, o, ORDER, LOW).add(v);
            if (addBias) v = v.add(FloatVector.fromArray(SPECIES, bias, bi));
            if (relu) v = FloatVector.zero(SPECIES).blend(v, v.compare(VectorOperators.GT, 0f));
            v.intoMemorySegment(c, o, ORDER, LOW);
        }
    }

    /**
     * The scalar C update: the same float operations, in the same order, as the vector path. The bias
     * runs along the tile's columns (bias[bj + j]), or along its rows for the swapped product.
     */
    private static void storeScalar(float[] acc, MemorySegment c, long cTile, long cRow, long cCol, int mr, int nr,
                                    boolean load, boolean finish, float[] bias, int bj, boolean biasPerRow, boolean relu) {
        for (int r = 0; r < mr; r++) {
            long o = cTile + r * cRow;
            for (int j = 0; j < nr; j++, o += cCol) {
                float v = acc[r * NR + j];
                if (load) v = c.get(F, o) + v;
                if (finish) {
                    if (bias != null) v = v + bias[bj + (biasPerRow ? r : j)];
                    if (relu) v = reluOf(v);
                }
                c.set(F, o, v);
            }
        }
    }

    private static float reluOf(float v) {
        return v > 0f ? v : 0f;
    }
}
