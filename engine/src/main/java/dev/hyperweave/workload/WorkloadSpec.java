package dev.hyperweave.workload;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Node;
import dev.hyperweave.hyper.ChunkedHypernet;
import dev.hyperweave.hyper.FullHypernet;
import dev.hyperweave.hyper.TargetMlp;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.train.Optimizer;
import dev.hyperweave.train.Session;

import java.util.Random;

/**
 * The shapes of the reference workloads (shared/WORKLOADS.md): W1 {@code hmlp} and W2 {@code chunked},
 * plus reduced sizes of the same structure for tests. Builds the training graph and its fixed data.
 *
 * @param chunkSize 0 for the full hypernetwork (W1), else C of the chunked one (W2)
 */
public record WorkloadSpec(String name, int tasks, int embeddingDim, int samples, int[] targetWidths, int[] hidden,
                           int chunkSize, int chunkEmbeddingDim) {

    /** W1: T=32, e in R^32, hypernet 32->256->256->P, target 64->128->128->10, N=128. */
    public static final WorkloadSpec HMLP = new WorkloadSpec("hmlp", 32, 32, 128, new int[] {64, 128, 128, 10}, new int[] {256, 256}, 0, 0);

    /** W2: as W1, chunks of C=4096 with chunk embeddings in R^16, hypernet 48->256->256->C. */
    public static final WorkloadSpec CHUNKED = new WorkloadSpec("chunked", 32, 32, 128, new int[] {64, 128, 128, 10}, new int[] {256, 256}, 4096, 16);

    public WorkloadSpec {
        targetWidths = targetWidths.clone();
        hidden = hidden.clone();
    }

    public static WorkloadSpec named(String name) {
        return switch (name) {
            case "hmlp" -> HMLP;
            case "chunked" -> CHUNKED;
            default -> throw new IllegalArgumentException("unknown workload '" + name + "' (expected hmlp or chunked)");
        };
    }

    public TargetMlp target() { return TargetMlp.of(Activation.RELU, targetWidths); }

    /** Matrix FLOPs of one forward pass, counted 2*M*N*K per product as WORKLOADS.md does. */
    public double forwardFlops() {
        int p = target().paramCount();
        double hyper = 0;
        int rows = chunkSize == 0 ? tasks : tasks * ((p + chunkSize - 1) / chunkSize);
        int in = chunkSize == 0 ? embeddingDim : embeddingDim + chunkEmbeddingDim;
        int out = chunkSize == 0 ? p : chunkSize;
        int prev = in;
        for (int h : hidden) { hyper += (double) prev * h; prev = h; }
        hyper += (double) prev * out;
        double target = 0;
        for (int l = 0; l + 1 < targetWidths.length; l++) target += (double) targetWidths[l] * targetWidths[l + 1];
        return 2 * (rows * hyper + (double) tasks * samples * target);
    }

    /** A training step is counted as 3x the forward matrix FLOPs. */
    public double stepFlops() { return 3 * forwardFlops(); }

    /** The training graph: task ids -> weights [T,P] -> T target nets -> mean cross-entropy. */
    public Built build() {
        Graph g = new Graph();
        TargetMlp target = target();
        Node ids = g.input("task_ids", DType.I32, tasks);
        Node x = g.input("x", DType.F32, tasks, samples, targetWidths[0]);
        Node labels = g.input("labels", DType.I32, tasks * samples);
        Node weights = chunkSize == 0
                ? new FullHypernet(tasks, embeddingDim, hidden, Activation.RELU).generate(g, ids, target.paramCount())
                : new ChunkedHypernet(tasks, embeddingDim, chunkEmbeddingDim, chunkSize, hidden, Activation.RELU).generate(g, ids, target.paramCount());
        Node logits = target.forward(g, weights, x);
        Node loss = g.softmaxCrossEntropy(g.reshape(logits, tasks * samples, target.outputWidth()), labels);
        return new Built(this, g, loss, logits);
    }

    /** A built workload graph. */
    public record Built(WorkloadSpec spec, Graph graph, Node loss, Node logits) {

        /** Adam with WORKLOADS.md's settings. */
        public Session session(dev.hyperweave.backend.Backend backend, long seed) {
            Session s = Session.training(graph, loss, new Optimizer.Adam(1e-3, 0.9, 0.999, 1e-8), backend, seed);
            feed(s, seed);
            return s;
        }

        /** Fixed data: x standard normal, labels uniform in 0..classes-1, task ids 0..T-1. */
        public void feed(Session s, long seed) {
            Random r = new Random(seed);
            float[] x = new float[spec.tasks * spec.samples * spec.targetWidths[0]];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            int classes = spec.targetWidths[spec.targetWidths.length - 1];
            int[] labels = new int[spec.tasks * spec.samples];
            for (int i = 0; i < labels.length; i++) labels[i] = r.nextInt(classes);
            int[] ids = new int[spec.tasks];
            for (int i = 0; i < ids.length; i++) ids[i] = i;
            s.setInput("x", x);
            s.setInput("labels", labels);
            s.setInput("task_ids", ids);
        }
    }
}
