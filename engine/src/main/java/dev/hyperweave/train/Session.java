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
 * <p>The trained parameters are the parameter nodes the loss depends on. A parameter reached only
 * from a watched node is not trained, not initialised, and reads as zeros.
 *
 * <p>Memory: the session owns its tensors (parameters, gradients, optimiser state, inputs and every
 * intermediate) and frees them all on {@link #close()}; the tensors it hands out are views into that
 * memory, valid until then. The backend is the caller's and stays open. On a device backend (cuda)
 * the tensors are in device memory: the host reaches them only through {@link #setInput} and
 * {@link #read}, never through {@link Tensor}'s element accessors.
 *
 * <p>Threads: a session is driven by one thread at a time (any thread, one after another). A call
 * while another thread is inside one throws IllegalStateException rather than corrupting the step.
 * That check covers the calls that run or copy ({@link #setInput}, {@link #read}, {@link #step},
 * {@link #computeGradients}, {@link #evaluate}, {@link #save}, {@link #load}, {@link #close}); the
 * accessors that only return a tensor or a name are not checked.
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
     * Compiles {@code loss} of {@code graph} for training on {@code backend} in F32. The gradient
     * nodes are added to {@code graph}. Parameters are initialised by their {@link
     * dev.hyperweave.graph.Init}s from {@code seed}, in creation order, so the same graph and seed
     * start from the same values on every backend. Inputs start zero-filled.
     *
     * @param graph     the graph holding {@code loss}; it gains the gradient nodes
     * @param loss      a floating scalar (one element) to minimise
     * @param optimizer the update rule {@link #step()} applies
     * @param backend   where to allocate and compute; it stays the caller's to close, after the session
     * @param seed      seed of the parameters' initial values
     * @param watch     extra nodes whose values the caller reads after a step (logits, say)
     * @return the session, owning newly allocated backend memory; close it
     * @throws IllegalArgumentException if the loss depends on no parameter, or a node belongs to another graph
     * @throws ShapeException           if {@code loss} is not a floating scalar
     */
    public static Session training(Graph graph, Node loss, Optimizer optimizer, Backend backend, long seed, Node... watch) {
        return new Session(graph, loss, optimizer, backend, DType.F32, seed, List.of(watch));
    }

    /**
     * As {@link #training(Graph, Node, Optimizer, Backend, long, Node...)}, computing floating nodes
     * in {@code floatType} (F64 on the reference backend for gradient checks); I32 nodes stay I32.
     *
     * @param graph     the graph holding {@code loss}; it gains the gradient nodes
     * @param loss      a floating scalar (one element) to minimise
     * @param optimizer the update rule {@link #step()} applies
     * @param backend   where to allocate and compute; it stays the caller's to close, after the session
     * @param floatType F32, or F64 where the backend {@link Backend#supports supports} it
     * @param seed      seed of the parameters' initial values
     * @param watch     extra nodes whose values the caller reads after a step (logits, say)
     * @return the session, owning newly allocated backend memory; close it
     * @throws IllegalArgumentException if the loss depends on no parameter, a node belongs to another
     *                                  graph, or the backend does not compute in {@code floatType}
     * @throws ShapeException           if {@code loss} is not a floating scalar
     */
    public static Session training(Graph graph, Node loss, Optimizer optimizer, Backend backend, DType floatType, long seed, Node... watch) {
        return new Session(graph, loss, optimizer, backend, floatType, seed, List.of(watch));
    }

    /**
     * The tensor of an input node, to write before a step (with {@link #setInput}; on a GPU it is in
     * device memory). Inputs keep their values from step to step.
     *
     * @param name the input's name in the graph
     * @return the session's tensor for that input, in its dtype and shape
     * @throws IllegalArgumentException if the graph has no input {@code name}, or neither the loss nor
     *                                  a watched node depends on it
     * @throws IllegalStateException    if the session is closed
     */
    public Tensor input(String name) {
        checkOpen();
        Node n = graph.inputs().get(name);
        if (n == null) throw new IllegalArgumentException("no input named '" + name + "' (inputs: " + graph.inputs().keySet() + ")");
        return compiled.tensor(n);
    }

    /**
     * Copies {@code data} (row-major) into the floating input {@code name}, checking its size (widened
     * to F64 in an F64 session). The value stays until overwritten; steps do not consume it.
     *
     * @param name the input's name in the graph
     * @param data exactly as many values as the input has elements
     * @throws IllegalArgumentException if there is no such input in the compiled graph
     * @throws ShapeException           if the input is I32, or {@code data} has the wrong length
     * @throws IllegalStateException    if the session is closed or another thread is inside a call
     */
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

    /**
     * Copies {@code data} (row-major) into the I32 input {@code name} (task ids, labels), checking its
     * size. Index ranges are checked when a step uses them, not here.
     *
     * @param name the input's name in the graph
     * @param data exactly as many values as the input has elements
     * @throws IllegalArgumentException if there is no such input in the compiled graph
     * @throws ShapeException           if the input is floating, or {@code data} has the wrong length
     * @throws IllegalStateException    if the session is closed or another thread is inside a call
     */
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

    /**
     * The values of {@code t} (a tensor of this session: a parameter, a gradient, a watched value), copied to the host.
     * Waits for queued kernels. Allocates the returned array; F32 only, so an F64 session's tensors
     * must be read on the host with {@link Tensor#toDoubleArray()} instead.
     *
     * @param t a tensor in this session's backend memory, of dtype F32
     * @return a new array of {@code t}'s elements, row-major
     * @throws ShapeException        if {@code t} is not F32
     * @throws IllegalStateException if the session is closed or another thread is inside a call
     */
    public float[] read(Tensor t) {
        enter();
        try {
            return backend.readFloats(t);
        } finally {
            exit();
        }
    }

    /**
     * The backend the session computes on.
     *
     * @return the backend given at creation, still owned by the caller
     */
    public Backend backend() { return backend; }

    /**
     * The current value of a parameter (a view into the flat parameter buffer). On a device backend its
     * elements are in device memory: read them with {@link #read}.
     *
     * @param name the parameter's name in the graph
     * @return a live view, updated in place by every step and valid until {@link #close()}
     * @throws IllegalArgumentException if the session trains no parameter {@code name}
     */
    public Tensor parameter(String name) {
        checkOpen();
        return named(paramTensors, name);
    }

    /**
     * The gradient of a parameter after the last step or {@link #computeGradients()}: each run
     * overwrites it (gradients do not accumulate across runs). {@link #evaluate()} leaves it alone.
     *
     * @param name the parameter's name in the graph
     * @return a live view into {@link #flatGradients()}, of the parameter's shape, valid until {@link #close()}
     * @throws IllegalArgumentException if the session trains no parameter {@code name}
     */
    public Tensor gradient(String name) {
        checkOpen();
        return named(gradTensors, name);
    }

    /**
     * The value of a watched node (or any node the step computes). After {@link #step()} it holds the
     * forward pass's value, from the parameters before the update. After {@link #evaluate()} only the
     * loss, the watched nodes and what they depend on are current.
     *
     * @param n a node of the compiled graph
     * @return the session's tensor for {@code n}, possibly a view of another node's tensor
     * @throws IllegalArgumentException if {@code n} is not in the compiled graph
     * @throws IllegalStateException    if the session is closed
     */
    public Tensor value(Node n) {
        checkOpen();
        return compiled.tensor(n);
    }

    /**
     * Every parameter, each a view into this one flat buffer (64-byte aligned slices, in {@link #parameterNames()} order).
     *
     * @return the 1-D buffer, in the session's float type, with zero padding after each parameter
     */
    public Tensor flatParameters() {
        checkOpen();
        return flatParams;
    }

    /**
     * The parameters' gradients, laid out as {@link #flatParameters()}.
     *
     * @return the 1-D gradient buffer; its padding stays zero
     */
    public Tensor flatGradients() {
        checkOpen();
        return flatGrads;
    }

    /**
     * The trained parameters' names, in the order of the flat buffers.
     *
     * @return an immutable list, in the graph's creation order
     */
    public List<String> parameterNames() { return List.copyOf(params.keySet()); }

    /**
     * Forward, backward and one optimiser update. Allocates nothing; reading the loss waits for the
     * queued kernels.
     *
     * <p>An out-of-range label or task id fails the step with IllegalArgumentException. On the host
     * backends it is thrown before the update. On cuda it is found when the loss is read, after the
     * update has been applied and counted.
     *
     * @return the loss before the update
     * @throws IllegalArgumentException if an I32 input holds an index out of range
     * @throws IllegalStateException    if the session is closed or another thread is inside a call
     */
    public double step() {
        return step(null);
    }

    /**
     * {@link #step()}, timing each part: the wall time of kernel {@code i} of {@link #compiled()} is
     * added to {@code nanos[i]} (as {@link CompiledGraph#runProfiled} does) and the optimiser's to the
     * last slot. Same results as {@link #step()}; allocates nothing. On a device backend, which queues
     * kernels, the times are the host's launch costs.
     *
     * @param nanos {@code compiled().kernelCount() + 1} slots; the times add to what they hold
     * @return the loss before the update
     * @throws IllegalArgumentException if {@code nanos} has another length, or an I32 input holds an
     *                                  index out of range
     * @throws IllegalStateException    if the session is closed or another thread is inside a call
     */
    public double stepProfiled(long[] nanos) {
        return step(nanos);
    }

    private double step(long[] nanos) {
        enter();
        try {
            if (nanos == null) {
                compiled.run();
            } else {
                int k = compiled.kernelCount();
                if (nanos.length != k + 1) {
                    throw new IllegalArgumentException("need one slot per kernel and one for the optimiser: " + (k + 1) + ", got " + nanos.length);
                }
                compiled.runProfiled(nanos);
            }
            long t0 = System.nanoTime();
            steps++;
            switch (optimizer) {
                case Optimizer.Adam a -> backend.adam(flatParams, flatGrads, state1, state2, a.lr(), a.beta1(), a.beta2(), a.eps(), steps);
                case Optimizer.Sgd s -> backend.sgd(flatParams, flatGrads, state1, s.lr(), s.momentum());
            }
            if (nanos != null) nanos[nanos.length - 1] += System.nanoTime() - t0;
            return backend.readScalar(lossTensor);
        } finally {
            exit();
        }
    }

    /**
     * Forward and backward without updating the parameters or the step count. Allocates nothing.
     *
     * @return the loss
     * @throws IllegalArgumentException if an I32 input holds an index out of range
     * @throws IllegalStateException    if the session is closed or another thread is inside a call
     */
    public double computeGradients() {
        enter();
        try {
            compiled.run();
            return backend.readScalar(lossTensor);
        } finally {
            exit();
        }
    }

    /**
     * Forward only (loss and watched nodes); gradients keep their last values. Allocates nothing.
     *
     * @return the loss
     * @throws IllegalArgumentException if an I32 input holds an index out of range
     * @throws IllegalStateException    if the session is closed or another thread is inside a call
     */
    public double evaluate() {
        enter();
        try {
            compiled.runForward();
            return backend.readScalar(lossTensor);
        } finally {
            exit();
        }
    }

    /**
     * Optimiser steps taken (Adam's bias correction counts them).
     *
     * @return the steps since creation, or since the step count a {@link #load} restored
     */
    public long steps() { return steps; }

    /**
     * The update rule {@link #step()} applies.
     *
     * @return the optimiser given at creation
     */
    public Optimizer optimizer() { return optimizer; }

    /**
     * The compiled graph behind the session (kernel names and shapes, for profiles).
     *
     * @return the session's compiled graph; the session owns and closes it
     */
    public CompiledGraph compiled() { return compiled; }

    /**
     * Writes the parameters, the optimiser's state and the step count to {@code file} (Hyperweave's
     * little-endian checkpoint format, version 1), so that {@link #load} in a session of the same
     * graph resumes training exactly where this one is. The
     * optimiser's hyperparameters (learning rate, betas) are not stored. An existing file is replaced.
     *
     * @param file the checkpoint file to create or overwrite
     * @throws java.io.UncheckedIOException if the file cannot be written
     * @throws IllegalStateException        if the session is closed or another thread is inside a call
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
     * file, the byte offset and the parameter. The float type, the optimiser kind and its number of
     * state arrays (SGD with or without momentum) must match too; the hyperparameters are this
     * session's own. The session is unchanged if loading fails.
     *
     * @param file a checkpoint written by {@link #save}
     * @throws InputException               if the file is missing, truncated or does not fit this session
     * @throws java.io.UncheckedIOException if the file cannot be read
     * @throws IllegalStateException        if the session is closed or another thread is inside a call
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

    /**
     * Frees the session's memory. The backend stays open (it may be shared); closing twice is harmless.
     * Every tensor the session handed out is invalid afterwards.
     *
     * @throws IllegalStateException if another thread is inside a call
     */
    @Override
    public void close() {
        if (closed) return;
        enter(); // held for good: a thread arriving now finds the session taken, then closed
        closed = true;
        compiled.close();
        arena.close();
    }
}
