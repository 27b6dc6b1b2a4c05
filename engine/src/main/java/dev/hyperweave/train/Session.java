package dev.hyperweave.train;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.graph.CompiledGraph;
import dev.hyperweave.graph.Gradients;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Node;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Shape;
import dev.hyperweave.tensor.ShapeException;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorMemory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A graph compiled for training: forward, backward and the optimiser, with every parameter a view
 * into one flat buffer and every parameter gradient a view into a second flat buffer of the same
 * layout, so the optimiser is one fused kernel. A step allocates nothing.
 *
 * <p>Threads: a session is driven by one thread at a time (any thread, one after another). A call
 * while another thread is inside one throws IllegalStateException rather than corrupting the step.
 * Sessions on different backends may run in parallel; two sessions sharing one backend must not.
 */
public final class Session implements AutoCloseable {
    /** Parameters start on 64-byte boundaries inside the flat buffers. */
    private static final int ALIGN_ELEMENTS = 16;

    private final Graph graph;
    private final Node loss;
    private final Backend backend;
    private final Optimizer optimizer;
    private final TensorMemory arena;
    private final CompiledGraph compiled;
    private final Map<String, Node> params = new LinkedHashMap<>();
    private final Map<String, Tensor> paramTensors = new LinkedHashMap<>();
    private final Map<String, Tensor> gradTensors = new LinkedHashMap<>();
    private final Tensor flatParams, flatGrads, state1, state2, lossTensor;
    private final Map<String, Long> paramOffsets = new LinkedHashMap<>();
    private long steps;
    private volatile boolean closed;
    private final AtomicReference<Thread> user = new AtomicReference<>(); // the thread inside a call, if any

    private Session(Graph graph, Node loss, Optimizer optimizer, Backend backend, DType floatType, long seed, List<Node> watch) {
        this.graph = graph;
        this.loss = loss;
        this.backend = backend;
        this.optimizer = optimizer;
        this.arena = backend.newMemory();
        List<Node> ps = graph.ancestors(List.of(loss)).stream().filter(Graph::isParameter).toList();
        if (ps.isEmpty()) throw new IllegalArgumentException("the loss depends on no parameter: nothing to train");
        List<Node> grads = new ArrayList<>(Gradients.of(loss, ps));

        long total = 0;
        long[] offsets = new long[ps.size()];
        for (int i = 0; i < ps.size(); i++) {
            offsets[i] = total;
            total += (ps.get(i).numel() + ALIGN_ELEMENTS - 1) / ALIGN_ELEMENTS * ALIGN_ELEMENTS;
        }
        int n = Math.toIntExact(total);
        flatParams = arena.allocate(floatType, n);
        flatGrads = arena.allocate(floatType, n);
        state1 = optimizer instanceof Optimizer.Sgd s && s.momentum() == 0 ? null : arena.allocate(floatType, n);
        state2 = optimizer instanceof Optimizer.Adam ? arena.allocate(floatType, n) : null;

        Map<Node, Tensor> placed = new IdentityHashMap<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < ps.size(); i++) {
            Node p = ps.get(i);
            int[] shape = p.shape();
            int count = Math.toIntExact(p.numel());
            Tensor pt = flatParams.slice(0, (int) offsets[i], count).reshape(shape);
            Tensor gt = flatGrads.slice(0, (int) offsets[i], count).reshape(shape);
            double[] init = new double[count];
            Graph.initOf(p).fill(init, shape, random.split());
            backend.write(pt, init);
            Node g = grads.get(i);
            // A gradient that is a leaf, a view or another parameter's gradient cannot be placed: copy it.
            if (g.isLeaf() || g.op().isView() || placed.containsKey(g)) {
                g = graph.copy(g);
                grads.set(i, g);
            }
            placed.put(p, pt);
            placed.put(g, gt);
            params.put(p.name(), p);
            paramOffsets.put(p.name(), offsets[i]);
            paramTensors.put(p.name(), pt);
            gradTensors.put(p.name(), gt);
        }
        List<Node> outputs = new ArrayList<>();
        outputs.add(loss);
        outputs.addAll(grads);
        outputs.addAll(watch);
        List<Node> forward = new ArrayList<>();
        forward.add(loss);
        forward.addAll(watch);
        this.compiled = new CompiledGraph(backend, floatType, outputs, forward, placed);
        this.lossTensor = compiled.tensor(loss);
    }

    /**
     * Compiles {@code loss} of {@code graph} for training on {@code backend} in F32.
     *
     * @param watch extra nodes whose values the caller reads after a step (logits, say)
     */
    public static Session training(Graph graph, Node loss, Optimizer optimizer, Backend backend, long seed, Node... watch) {
        return new Session(graph, loss, optimizer, backend, DType.F32, seed, List.of(watch));
    }

    /** As {@link #training}, computing in {@code floatType} (F64 on the reference backend for gradient checks). */
    public static Session training(Graph graph, Node loss, Optimizer optimizer, Backend backend, DType floatType, long seed, Node... watch) {
        return new Session(graph, loss, optimizer, backend, floatType, seed, List.of(watch));
    }

    /** The tensor of an input node, to write before a step (with {@link #setInput}; on a GPU it is in device memory). */
    public Tensor input(String name) {
        checkOpen();
        Node n = graph.inputs().get(name);
        if (n == null) throw new IllegalArgumentException("no input named '" + name + "' (inputs: " + graph.inputs().keySet() + ")");
        return compiled.tensor(n);
    }

    /** Copies {@code data} (row-major) into the F32 input {@code name}, checking its size. */
    public void setInput(String name, float[] data) {
        enter();
        try {
            Tensor t = input(name);
            checkLength(name, t, data.length);
            backend.write(t, data);
        } finally {
            exit();
        }
    }

    /** Copies {@code data} (row-major) into the I32 input {@code name} (task ids, labels), checking its size. */
    public void setInput(String name, int[] data) {
        enter();
        try {
            Tensor t = input(name);
            checkLength(name, t, data.length);
            backend.write(t, data);
        } finally {
            exit();
        }
    }

    private static void checkLength(String name, Tensor t, int length) {
        if (length != t.numel()) throw new ShapeException("input '" + name + "' " + Shape.str(t.shape()) + " needs " + t.numel() + " values, got " + length);
    }

    /** The values of {@code t} (a tensor of this session: a parameter, a gradient, a watched value), copied to the host. */
    public float[] read(Tensor t) {
        enter();
        try {
            return backend.readFloats(t);
        } finally {
            exit();
        }
    }

    /** The backend the session computes on. */
    public Backend backend() { return backend; }

    /**
     * The current value of a parameter (a view into the flat parameter buffer). On a device backend its
     * elements are in device memory: read them with {@link #read}.
     */
    public Tensor parameter(String name) { return named(paramTensors, name); }

    /** The gradient of a parameter after the last step or {@link #computeGradients()}. */
    public Tensor gradient(String name) { return named(gradTensors, name); }

    /** The value of a watched node (or any node the step computes). */
    public Tensor value(Node n) {
        checkOpen();
        return compiled.tensor(n);
    }

    /** Every parameter, each a view into this one flat buffer (64-byte aligned slices, in {@link #parameterNames()} order). */
    public Tensor flatParameters() { return flatParams; }

    /** The parameters' gradients, laid out as {@link #flatParameters()}. */
    public Tensor flatGradients() { return flatGrads; }

    /** The trained parameters' names, in the order of the flat buffers. */
    public List<String> parameterNames() { return List.copyOf(params.keySet()); }

    /** Forward, backward and one optimiser update; returns the loss before the update. */
    public double step() {
        enter();
        try {
            compiled.run();
            steps++;
            switch (optimizer) {
                case Optimizer.Adam a -> backend.adam(flatParams, flatGrads, state1, state2, a.lr(), a.beta1(), a.beta2(), a.eps(), steps);
                case Optimizer.Sgd s -> backend.sgd(flatParams, flatGrads, state1, s.lr(), s.momentum());
            }
            return backend.readScalar(lossTensor);
        } finally {
            exit();
        }
    }

    /** Forward and backward without updating the parameters; returns the loss. */
    public double computeGradients() {
        enter();
        try {
            compiled.run();
            return backend.readScalar(lossTensor);
        } finally {
            exit();
        }
    }

    /** Forward only (loss and watched nodes); returns the loss. */
    public double evaluate() {
        enter();
        try {
            compiled.runForward();
            return backend.readScalar(lossTensor);
        } finally {
            exit();
        }
    }

    /** Optimiser steps taken (Adam's bias correction counts them). */
    public long steps() { return steps; }

    /** The compiled graph behind the session (kernel names and shapes, for profiles). */
    public CompiledGraph compiled() { return compiled; }

    /**
     * Writes the parameters, the optimiser's state and the step count to {@code file} (see
     * {@link Checkpoint} for the format), so that {@link #load} in a session of the same graph resumes
     * training exactly where this one is.
     */
    public void save(Path file) {
        enter();
        try {
            Checkpoint.save(this, file);
        } finally {
            exit();
        }
    }

    /**
     * Restores what {@link #save} wrote. Every parameter of the file must be one of this session's, of
     * the same shape, and the other way round; anything else is an {@link InputException} naming the
     * file, the byte offset and the parameter. The session is unchanged if loading fails.
     */
    public void load(Path file) {
        enter();
        try {
            Checkpoint.load(this, file);
        } finally {
            exit();
        }
    }

    // ---- for Checkpoint ------------------------------------------------------------------------------

    Optimizer optimizer() { return optimizer; }
    Tensor[] optimizerStates() { return state1 == null ? new Tensor[0] : state2 == null ? new Tensor[] {state1} : new Tensor[] {state1, state2}; }
    long offsetOf(String name) { return paramOffsets.get(name); }
    void restoreSteps(long s) { steps = s; }

    // ---- the thread contract -------------------------------------------------------------------------

    /** Marks the session in use by the calling thread; a second thread finds it taken and gets a clear error. */
    private void enter() {
        checkOpen();
        Thread me = Thread.currentThread();
        if (!user.compareAndSet(null, me)) {
            Thread other = user.get();
            if (other == me) throw new IllegalStateException("session re-entered from inside its own call");
            throw new IllegalStateException("session used from two threads at once (" + me.getName() + " while "
                    + (other == null ? "another thread" : other.getName()) + " was inside): drive a session from one thread at a time");
        }
    }

    private void exit() {
        user.set(null);
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("session is closed");
    }

    private static Tensor named(Map<String, Tensor> m, String name) {
        Tensor t = m.get(name);
        if (t == null) throw new IllegalArgumentException("no trained parameter named '" + name + "' (parameters: " + m.keySet() + ")");
        return t;
    }

    /** Frees the session's memory. The backend stays open (it may be shared); closing twice is harmless. */
    @Override
    public void close() {
        if (closed) return;
        enter();
        closed = true;
        exit();
        compiled.close();
        arena.close();
    }
}
