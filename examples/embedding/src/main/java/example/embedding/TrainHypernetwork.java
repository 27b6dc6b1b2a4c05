package example.embedding;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.Backends;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Node;
import dev.hyperweave.hyper.FullHypernet;
import dev.hyperweave.hyper.TargetMlp;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.train.Optimizer;
import dev.hyperweave.train.Session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Trains one hypernetwork to generate a classifier for each of 8 tasks (each its own random linear
 * rule over 12 features, 3 classes), on the cpu backend, through the public API only. Checks that the
 * loss fell by more than half and that a checkpoint restores the trained weights; exits 1 if not.
 */
public final class TrainHypernetwork {
    static final int TASKS = 8, SAMPLES = 64, FEATURES = 12, CLASSES = 3;

    public static void main(String[] args) throws Exception {
        // The graph: task ids -> weights [T, P] of T target MLPs -> their logits -> one loss.
        Graph g = new Graph();
        Node ids = g.input("task_ids", DType.I32, TASKS);
        Node x = g.input("x", DType.F32, TASKS, SAMPLES, FEATURES);
        Node labels = g.input("labels", DType.I32, TASKS * SAMPLES);
        TargetMlp target = TargetMlp.of(Activation.RELU, FEATURES, 16, CLASSES);
        Node weights = new FullHypernet(TASKS, 8, new int[] {64}, Activation.RELU).generate(g, ids, target.paramCount());
        Node logits = target.forward(g, weights, x);
        Node loss = g.softmaxCrossEntropy(g.reshape(logits, TASKS * SAMPLES, CLASSES), labels);

        // The data: task t labels a sample by the argmax of its own random projection.
        Random rnd = new Random(7);
        float[][] rules = new float[TASKS][FEATURES * CLASSES];
        for (float[] r : rules) for (int i = 0; i < r.length; i++) r[i] = (float) rnd.nextGaussian();
        float[] xs = new float[TASKS * SAMPLES * FEATURES];
        int[] ys = new int[TASKS * SAMPLES];
        for (int t = 0; t < TASKS; t++) {
            for (int s = 0; s < SAMPLES; s++) {
                int row = t * SAMPLES + s, best = 0;
                double[] score = new double[CLASSES];
                for (int f = 0; f < FEATURES; f++) {
                    float v = (float) rnd.nextGaussian();
                    xs[row * FEATURES + f] = v;
                    for (int c = 0; c < CLASSES; c++) score[c] += v * rules[t][f * CLASSES + c];
                }
                for (int c = 1; c < CLASSES; c++) if (score[c] > score[best]) best = c;
                ys[row] = best;
            }
        }
        int[] taskIds = new int[TASKS];
        for (int t = 0; t < TASKS; t++) taskIds[t] = t;

        Path checkpoint = Files.createTempFile("hyperweave-example", ".ckpt");
        try (Backend backend = Backends.create("cpu", 2);
             Session session = Session.training(g, loss, Optimizer.adam(3e-3), backend, 1)) {
            session.setInput("task_ids", taskIds);
            session.setInput("x", xs);
            session.setInput("labels", ys);
            double first = session.step(), last = first;
            for (int i = 1; i < 300; i++) last = session.step();
            System.out.printf("loss %.4f -> %.4f over 300 steps on %s%n", first, last, backend.name());
            check(last < first / 2, "the loss did not fall by half: " + first + " -> " + last);

            session.save(checkpoint);
            float[] trained = session.read(session.flatParameters());
            try (Session fresh = Session.training(g, loss, Optimizer.adam(3e-3), backend, 99)) {
                fresh.load(checkpoint);
                check(java.util.Arrays.equals(trained, fresh.read(fresh.flatParameters())), "the checkpoint did not restore the weights");
                fresh.setInput("task_ids", taskIds);
                fresh.setInput("x", xs);
                fresh.setInput("labels", ys);
                double resumed = fresh.evaluate();
                System.out.printf("a fresh session loaded from the checkpoint: loss %.4f%n", resumed);
            }
        } finally {
            Files.deleteIfExists(checkpoint);
        }
        System.out.println("TrainHypernetwork: ok");
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("TrainHypernetwork: FAILED: " + what);
            System.exit(1);
        }
    }
}
