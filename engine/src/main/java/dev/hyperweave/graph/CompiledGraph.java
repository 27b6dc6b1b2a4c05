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
    private final int inPlaceGradients;

    /**
     * @param outputs nodes whose values must be computed
     * @param forward nodes that {@link #runForward()} must compute (a subset of what outputs need)
     * @param placed  tensors chosen by the caller for some nodes (parameters and their gradients in flat buffers)
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
            StringBuilder sb = new StringBuilder();
            for (Node i : n.inputs()) sb.append(sb.isEmpty() ? "" : ", ").append(Shape.str(i.shape()));
            shapes.add(sb + " -> " + Shape.str(n.shape()));
            if (forwardSet.get(n.id())) fwd.add(kernel);
        }
        this.kernels = all.toArray(Kernel[]::new);
        this.forwardKernels = fwd.toArray(Kernel[]::new);
        this.kernelNames = names.toArray(String[]::new);
        this.kernelShapes = shapes.toArray(String[]::new);
        this.inPlaceGradients = inPlace.cardinality();
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

    /** Runs every kernel in order. */
    public void run() {
        for (Kernel k : kernels) k.run();
    }

    /** Runs every kernel in order, adding each one's wall time in nanoseconds to {@code nanos[i]}. */
    public void runProfiled(long[] nanos) {
        if (nanos.length != kernels.length) throw new IllegalArgumentException("need one slot per kernel: " + kernels.length);
        for (int i = 0; i < kernels.length; i++) {
            long t0 = System.nanoTime();
            kernels[i].run();
            nanos[i] += System.nanoTime() - t0;
        }
    }

    /** Runs only the kernels the forward nodes need. */
    public void runForward() {
        for (Kernel k : forwardKernels) k.run();
    }

    /** The tensor planned for {@code n} (a node the outputs depend on). */
    public Tensor tensor(Node n) {
        Tensor t = tensors.get(n);
        if (t == null) throw new IllegalArgumentException(n + " is not part of this compiled graph");
        return t;
    }

    public Backend backend() { return backend; }
    public DType floatType() { return floatType; }
    public int kernelCount() { return kernels.length; }
    /** Accumulated gradients whose parts were written in place (no sum kernel). */
    public int inPlaceGradients() { return inPlaceGradients; }
    public List<String> kernelNames() { return List.of(kernelNames); }
    /** Per kernel: its inputs' shapes and its output shape, for profiles. */
    public List<String> kernelShapes() { return List.of(kernelShapes); }
    public long bytesAllocated() { return arena.bytesAllocated(); }

    @Override
    public void close() {
        arena.close();
    }
}
