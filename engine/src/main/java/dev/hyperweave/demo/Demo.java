package dev.hyperweave.demo;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.Backend;
import dev.hyperweave.data.TaskFamily;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Node;
import dev.hyperweave.hyper.ChunkedHypernet;
import dev.hyperweave.hyper.FullHypernet;
import dev.hyperweave.hyper.TargetMlp;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.train.Optimizer;
import dev.hyperweave.train.Session;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The main job: one hypernetwork learns a classifier for every task of a {@link TaskFamily} at once.
 * Task ids -> hypernetwork -> weights [T,P] of T target MLPs (16 -> 32 -> 4) -> cross-entropy on each
 * task's own training batches (a pool of 8 x 128 samples per task, cycled); afterwards each task's generated classifier is scored on fresh samples.
 */
public final class Demo {

    /** Demo settings; {@code chunkSize} 0 means the full hypernetwork. */
    public record Config(int tasks, int steps, long seed, int chunkSize, int samplesPerTask, int testPerTask, double learningRate) {
        public Config {
            if (tasks < 1) throw new IllegalArgumentException("--tasks must be at least 1, got " + tasks);
            if (steps < 1) throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
            if (chunkSize < 0) throw new IllegalArgumentException("--chunk must be 0 (full hypernetwork) or positive, got " + chunkSize);
        }

        public static Config defaults() { return new Config(16, 600, 1, 0, 128, 512, 3e-3); }
    }

    /** Per-task results and the loss trajectory. */
    public record Result(double[] losses, double[] taskTrainAccuracy, double[] taskTestAccuracy, double seconds) {
        public double finalLoss() { return losses[losses.length - 1]; }

        public double meanTestAccuracy() {
            double s = 0;
            for (double a : taskTestAccuracy) s += a;
            return s / taskTestAccuracy.length;
        }
    }

    static final int DIM = 16, CLASSES = 4, TRAIN_BATCHES = 8;

    private Demo() {}

    public static Result run(Config cfg, Backend backend, PrintStream out) {
        long start = System.nanoTime();
        TaskFamily family = new TaskFamily(cfg.tasks(), DIM, CLASSES, 0.8, cfg.seed());
        // A fixed pool of training batches, cycled: the steady state copies into the input tensors only.
        TaskFamily.Batch[] pool = new TaskFamily.Batch[TRAIN_BATCHES];
        for (int b = 0; b < pool.length; b++) pool[b] = family.sample(cfg.samplesPerTask());
        TargetMlp target = TargetMlp.of(Activation.RELU, DIM, 32, CLASSES);
        int t = cfg.tasks(), n = cfg.samplesPerTask();

        Graph g = new Graph();
        Node ids = g.input("task_ids", DType.I32, t);
        Node x = g.input("x", DType.F32, t, n, DIM);
        Node labels = g.input("labels", DType.I32, t * n);
        Node weights = cfg.chunkSize() == 0
                ? new FullHypernet(t, 8, new int[] {128}, Activation.RELU).generate(g, ids, target.paramCount())
                : new ChunkedHypernet(t, 8, 8, cfg.chunkSize(), new int[] {128}, Activation.RELU).generate(g, ids, target.paramCount());
        Node logits = target.forward(g, weights, x);
        Node loss = g.softmaxCrossEntropy(g.reshape(logits, t * n, CLASSES), labels);

        double[] losses = new double[cfg.steps()];
        try (Session s = Session.training(g, loss, Optimizer.adam(cfg.learningRate()), backend, cfg.seed(), logits)) {
            int[] taskIds = new int[t];
            for (int i = 0; i < t; i++) taskIds[i] = i;
            s.setInput("task_ids", taskIds);
            out.printf(Locale.ROOT, "hyperweave demo: %d tasks, %s hypernetwork -> target MLP 16-32-4 (P = %d per task), %d steps, backend %s with %d thread(s)%n",
                    t, cfg.chunkSize() == 0 ? "full" : "chunked (C = " + cfg.chunkSize() + ")", target.paramCount(), cfg.steps(), backend.name(), backend.threads());
            int every = Math.max(1, cfg.steps() / 10);
            long windowStart = System.nanoTime();
            int windowSteps = 0;
            for (int i = 0; i < cfg.steps(); i++) {
                TaskFamily.Batch batch = pool[i % pool.length];
                s.setInput("x", batch.x());
                s.setInput("labels", batch.labels());
                losses[i] = s.step();
                windowSteps++;
                if (!Double.isFinite(losses[i])) throw new IllegalStateException("loss diverged to " + losses[i] + " at step " + (i + 1) + "; try a smaller --lr");
                if ((i + 1) % every == 0 || i == cfg.steps() - 1) {
                    double secs = (System.nanoTime() - windowStart) / 1e9;
                    out.printf(Locale.ROOT, "  step %5d/%d  loss %.4f  %8.1f steps/s%n", i + 1, cfg.steps(), losses[i], windowSteps / secs);
                    windowStart = System.nanoTime();
                    windowSteps = 0;
                }
            }
            double[] trainAcc = new double[t];
            for (TaskFamily.Batch batch : pool) {
                s.setInput("x", batch.x());
                s.setInput("labels", batch.labels());
                s.evaluate();
                double[] acc = accuracy(s.read(s.value(logits)), batch.labels(), t, n);
                for (int k = 0; k < t; k++) trainAcc[k] += acc[k] / pool.length;
            }
            double[] testAcc = new double[t];
            int rounds = Math.max(1, cfg.testPerTask() / n);
            for (int r = 0; r < rounds; r++) {
                TaskFamily.Batch test = family.sample(n);
                s.setInput("x", test.x());
                s.setInput("labels", test.labels());
                s.evaluate();
                double[] acc = accuracy(s.read(s.value(logits)), test.labels(), t, n);
                for (int k = 0; k < t; k++) testAcc[k] += acc[k] / rounds;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            out.println();
            out.println("  task  train acc  test acc");
            for (int k = 0; k < t; k++) out.printf(Locale.ROOT, "  %4d  %8.1f%%  %7.1f%%%n", k, 100 * trainAcc[k], 100 * testAcc[k]);
            Result result = new Result(losses, trainAcc, testAcc, seconds);
            out.printf(Locale.ROOT, "%nfinal loss %.4f, mean test accuracy %.1f%% (chance %.1f%%), total time %.1f s%n",
                    result.finalLoss(), 100 * result.meanTestAccuracy(), 100.0 / CLASSES, seconds);
            return result;
        }
    }

    /** Fraction of each task's samples whose argmax logit is the label; logits [tasks, perTask, CLASSES] row-major. */
    static double[] accuracy(float[] logits, int[] labels, int tasks, int perTask) {
        double[] acc = new double[tasks];
        for (int k = 0; k < tasks; k++) {
            int right = 0;
            for (int i = 0; i < perTask; i++) {
                int best = 0;
                int row = (k * perTask + i) * CLASSES;
                for (int c = 1; c < CLASSES; c++) if (logits[row + c] > logits[row + best]) best = c;
                if (best == labels[k * perTask + i]) right++;
            }
            acc[k] = (double) right / perTask;
        }
        return acc;
    }
}
