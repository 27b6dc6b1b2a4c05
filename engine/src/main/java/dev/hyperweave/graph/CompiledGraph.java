package dev.hyperweave.graph;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Shape;
import dev.hyperweave.tensor.ShapeException;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorMemory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph planned for one backend: every node's tensor is fixed once (fresh, a view of another
 * node's tensor, or a region of a gradient it adds into), and every kernel is bound to its tensors.
 * Running it calls the kernels in order and allocates nothing. Owns its memory; close it to free.
 *
 * <p>Planning in two passes: backwards, each accumulated gradient whose contributions are disjoint
 * regions (gradients of slices of [T,P], of concat parts, ...) lends those regions to the kernels that
 * produce them, so they write in place and the sum costs nothing; forwards, views resolve to views
 * of their input (or to a copy where strides forbid) and everything else gets its own buffer.
 *
 * <p>Lifetimes: the tensors it allocates, and the views of them that {@link #tensor} returns, are
 * valid until {@link #close}. Tensors the caller placed stay the caller's to free, and must outlive
 * this graph; the backend is not closed with it. Nothing is initialised for the caller: an input or a
 * parameter that is not placed starts zero-filled, and writing inputs and initialising parameters is
 * the caller's job ({@link dev.hyperweave.train.Session} does both).
 *
 * <p>Threads: drive it from one thread at a time. Compiled graphs that share a backend must not run
 * at once, since a backend is driven by one thread at a time.
 */
public final class CompiledGraph implements AutoCloseable {
    private final Backend backend;
    private final DType floatType;
    private final TensorMemory arena;
    private final Map<Node, Tensor> tensors = new IdentityHashMap<>();
    private final Kernel[] kernels;
    private final Kernel[] forwardKernels;
    private final String[] kernelNames;
    private final String[] kernelShapes;
    private final List<Long> kernelFlops;
    private final int inPlaceGradients;
    private volatile boolean closed;

    /**
     * Plans a tensor for {@code outputs} and every node they depend on, binds their kernels, and fills
     * the constants (on a device backend the fill may still be queued on return).
     *
     * @param backend   whose kernels are bound and whose memory holds the tensors; used, not owned
     * @param floatType the dtype every floating node is computed in: F32, or F64 where the backend
     *                  supports it (the reference backend); I32 nodes stay I32
     * @param outputs   nodes whose values must be computed; at least one, all of one graph
     * @param forward   nodes that {@link #runForward()} must compute (a subset of what outputs need);
     *                  one the outputs do not need is ignored, silently
     * @param placed    tensors chosen by the caller for some nodes (parameters and their gradients in
     *                  flat buffers): each of its node's shape and computed dtype, in memory of the
     *                  backend's kind. They are used as they are: a placed constant is not filled, and
     *                  {@link Op#acceptsOutput} is not asked. A view node cannot be placed. An entry for
     *                  a node the outputs do not need is kept (see {@link #tensor}) but unused.
     * @throws IllegalArgumentException if the backend does not support {@code floatType}, {@code outputs}
     *                                  is empty, a node of {@code outputs} or {@code forward} belongs to
     *                                  another graph than the first output, or a placed tensor is in
     *                                  host memory for a device backend or the reverse
     * @throws ShapeException if a placed tensor's shape or dtype does not match its node
     * @throws IllegalStateException if a view node is placed
     */
    public CompiledGraph(Backend backend, DType floatType, List<Node> outputs, List<Node> forward, Map<Node, Tensor> placed) {
        if (!backend.supports(floatType)) {
            throw new IllegalArgumentException("backend '" + backend.name() + "' does not compute in " + floatType);
        }
        if (outputs.isEmpty()) throw new IllegalArgumentException("nothing to compile: no outputs");
        for (Tensor t : placed.values()) {
            if (t.onDevice() != backend.deviceMemory()) {
                throw new IllegalArgumentException("placed tensor " + t + " is not in the memory of backend '" + backend.name() + "'");
            }
        }
        this.backend = backend;
        this.floatType = floatType;
        this.arena = backend.newMemory();
        try { // on a failed plan, free what was allocated (device memory on cuda)
            Graph graph = outputs.get(0).graph();
            List<Node> order = graph.ancestors(outputs);
            int[] consumers = new int[graph.nodes().size()];
            for (Node n : order) for (Node in : n.inputs()) consumers[in.id()]++;

            for (var e : placed.entrySet()) {
                Node n = e.getKey();
                Tensor t = e.getValue();
                if (!Arrays.equals(n.shape(), t.shape()) || t.dtype() != dtypeOf(n)) {
                    throw new ShapeException("placement of " + n + " needs " + dtypeOf(n) + " " + Shape.str(n.shape()) + ", got " + t);
                }
                tensors.put(n, t);
            }

            // Pass 1, backwards: gradients accumulated from disjoint regions are written in place.
            BitSet inPlace = new BitSet();
            for (int i = order.size() - 1; i >= 0; i--) {
                Node n = order.get(i);
                if (!(n.op() instanceof Accumulate acc)) continue;
                Tensor t = tensors.computeIfAbsent(n, this::fresh);
                Tensor[] regions = regionsIfDisjoint(n, acc, t, consumers);
                if (regions == null) continue;
                for (int k = 0; k < regions.length; k++) tensors.put(n.input(k), regions[k]);
                inPlace.set(n.id());
            }

            // Pass 2, forwards: leaves, views, fresh buffers; then bind kernels.
            BitSet forwardSet = new BitSet();
            for (Node n : graph.ancestors(forward)) forwardSet.set(n.id());
            List<Kernel> all = new ArrayList<>(), fwd = new ArrayList<>();
            List<String> names = new ArrayList<>(), shapes = new ArrayList<>();
            List<Long> flops = new ArrayList<>();
            for (Node n : order) {
                boolean needsKernel = !n.isLeaf() && !inPlace.get(n.id());
                if (!tensors.containsKey(n)) {
                    if (n.op() instanceof ViewOp view && view.canView(tensors.get(n.input(0)))) {
                        tensors.put(n, view.view(tensors.get(n.input(0))));
                        needsKernel = false;
                    } else {
                        Tensor t = fresh(n);
                        tensors.put(n, t);
                        if (Graph.isConstant(n)) backend.fill(t, Graph.constantValue(n));
                    }
                } else if (n.op().isView()) {
                    throw new IllegalStateException("planner placed view node " + n);
                }
                if (!needsKernel) continue;
                Tensor[] in = new Tensor[n.inputs().size()];
                for (int k = 0; k < in.length; k++) in[k] = tensors.get(n.input(k));
                Kernel kernel = n.op().bind(backend, tensors.get(n), in);
                all.add(kernel);
                names.add(n.op().name());
                flops.add(n.op().flops(n));
                StringBuilder sb = new StringBuilder();
                for (Node i : n.inputs()) sb.append(sb.isEmpty() ? "" : ", ").append(Shape.str(i.shape()));
                shapes.add(sb + " -> " + Shape.str(n.shape()));
                if (forwardSet.get(n.id())) fwd.add(kernel);
            }
            this.kernels = all.toArray(Kernel[]::new);
            this.forwardKernels = fwd.toArray(Kernel[]::new);
            this.kernelNames = names.toArray(String[]::new);
            this.kernelShapes = shapes.toArray(String[]::new);
            this.kernelFlops = List.copyOf(flops);
            this.inPlaceGradients = inPlace.cardinality();
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private DType dtypeOf(Node n) {
        return n.dtype() == DType.I32 ? DType.I32 : floatType;
    }

    private Tensor fresh(Node n) {
        return arena.allocate(dtypeOf(n), n.shape());
    }

    /** The regions of {@code t} the contributions write, if each can own its region outright. */
    private Tensor[] regionsIfDisjoint(Node n, Accumulate acc, Tensor t, int[] consumers) {
        int parts = n.inputs().size();
        Tensor[] regions = new Tensor[parts];
        for (int k = 0; k < parts; k++) {
            Node g = n.input(k);
            if (g.isLeaf() || g.op().isView() || consumers[g.id()] != 1 || tensors.containsKey(g)) return null;
            ViewOp v = acc.views[k];
            if (v != null && !v.canView(t)) return null;
            regions[k] = acc.region(t, k);
            if (!g.op().acceptsOutput(regions[k])) return null;
        }
        BitSet used = new BitSet();
        for (Tensor r : regions) {
            long base = t.offset();
            for (long e = 0, m = r.numel(); e < m; e++) {
                long rel = r.offsetOf(e) - base;
                if (rel < 0 || rel > Integer.MAX_VALUE || used.get((int) rel)) return null;
                used.set((int) rel);
            }
        }
        return regions;
    }

    /**
     * Runs every kernel in order. Write the inputs first (through the backend, e.g.
     * {@link Backend#write}); on a device backend this may return before the kernels finish, and a
     * read waits for them. Must not be called after {@link #close}.
     */
    public void run() {
        checkOpen();
        for (Kernel k : kernels) k.run();
    }

    /**
     * Runs every kernel in order, adding each one's wall time in nanoseconds to {@code nanos[i]}.
     * The times accumulate over calls; clear the array to start over. On a device backend, which
     * queues kernels, a time is the host's launch cost, not the kernel's (see
     * {@link dev.hyperweave.backend.Stopwatch} for device time).
     *
     * @param nanos at least one slot per kernel; slot {@code i} belongs to {@code kernelNames().get(i)},
     *              and slots past {@link #kernelCount()} are left alone
     * @throws IllegalArgumentException if {@code nanos} is shorter than {@link #kernelCount()}
     */
    public void runProfiled(long[] nanos) {
        checkOpen();
        if (nanos.length < kernels.length) throw new IllegalArgumentException("need one slot per kernel: " + kernels.length + ", got " + nanos.length);
        for (int i = 0; i < kernels.length; i++) {
            long t0 = System.nanoTime();
            kernels[i].run();
            nanos[i] += System.nanoTime() - t0;
        }
    }

    /**
     * Runs only the kernels the forward nodes need, in the same order as {@link #run()}: a forward
     * pass without gradients. The values of nodes outside it are left as they were.
     */
    public void runForward() {
        checkOpen();
        for (Kernel k : forwardKernels) k.run();
    }

    /**
     * The tensor planned for {@code n} (a node the outputs depend on). Depending on the plan it is a
     * buffer of this graph's, a view of another node's tensor, a region of a gradient it adds into,
     * or the caller's placed tensor; for a device backend it is in device memory, reached through
     * {@link Backend#read} and {@link Backend#write}.
     *
     * @param n a node the outputs depend on, or a placed node
     * @return the tensor, valid until {@link #close} (a placed one, as long as the caller keeps it)
     * @throws IllegalArgumentException if {@code n} has no tensor here
     */
    public Tensor tensor(Node n) {
        checkOpen();
        Tensor t = tensors.get(n);
        if (t == null) throw new IllegalArgumentException(n + " is not part of this compiled graph");
        return t;
    }

    /**
     * The backend the kernels are bound to.
     *
     * @return the backend given at construction; not closed by {@link #close}
     */
    public Backend backend() { return backend; }

    /**
     * The dtype floating nodes are computed in.
     *
     * @return F32, or F64 on the reference backend when asked for
     */
    public DType floatType() { return floatType; }

    /**
     * The number of kernels {@link #run()} calls. Leaves, views and in-place gradients need none.
     *
     * @return the kernel count
     */
    public int kernelCount() { return kernels.length; }

    /**
     * Accumulated gradients whose parts were written in place (no sum kernel).
     *
     * @return how many gradient sums were planned away
     */
    public int inPlaceGradients() { return inPlaceGradients; }

    /**
     * The op name of each kernel, in run order; index {@code i} matches slot {@code i} of
     * {@link #runProfiled}.
     *
     * @return an immutable list of {@link #kernelCount()} names
     */
    public List<String> kernelNames() { return List.of(kernelNames); }

    /**
     * Per kernel: its inputs' shapes and its output shape, for profiles.
     *
     * @return an immutable list in run order, each entry as {@code "[2, 3], [3, 4] -> [2, 4]"}
     */
    public List<String> kernelShapes() { return List.of(kernelShapes); }

    /**
     * Per kernel: its floating-point operations ({@link Op#flops}), 0 where the op counts none.
     *
     * @return an immutable list in run order
     */
    public List<Long> kernelFlops() { return kernelFlops; }

    /**
     * Bytes of the tensors this graph allocated itself; placed tensors are not counted.
     *
     * @return the byte count of this graph's own memory
     */
    public long bytesAllocated() { return arena.bytesAllocated(); }

    /**
     * Frees every tensor this graph allocated; the tensors from {@link #tensor} that live there (all
     * but placed ones) become invalid, and no run may follow. Placed tensors and the backend are left
     * alone. Closing twice is harmless.
     */
    @Override
    public void close() {
        closed = true;
        arena.close();
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the compiled graph is closed (its memory is freed)");
    }
}
