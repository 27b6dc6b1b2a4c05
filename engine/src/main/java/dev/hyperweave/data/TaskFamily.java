package dev.hyperweave.data;

import java.util.Random;

/**
 * The demo's built-in family of related classification tasks, generated from a seed (no download).
 * Every task labels points x in R^d by the nearest of C class directions; the directions of task t are
 * shared base directions plus a task-specific perturbation, so the tasks are related but no single
 * classifier solves them all: a hypernetwork has to generate a different classifier per task.
 * Labels are argmax_c (W_t x + b_t)_c with W_t = B + spread * D_t.
 */
public final class TaskFamily {
    private final int tasks, dim, classes;
    private final double[][][] weights;
    private final double[][] biases;
    private final Random random;

    public TaskFamily(int tasks, int dim, int classes, double spread, long seed) {
        if (tasks < 1 || dim < 1 || classes < 2) {
            throw new IllegalArgumentException("task family needs tasks >= 1, dim >= 1, classes >= 2; got " + tasks + ", " + dim + ", " + classes);
        }
        this.tasks = tasks;
        this.dim = dim;
        this.classes = classes;
        this.random = new Random(seed);
        double[][] base = new double[classes][dim];
        for (double[] row : base) for (int i = 0; i < dim; i++) row[i] = random.nextGaussian();
        weights = new double[tasks][classes][dim];
        biases = new double[tasks][classes];
        for (int t = 0; t < tasks; t++) {
            for (int c = 0; c < classes; c++) {
                for (int i = 0; i < dim; i++) weights[t][c][i] = base[c][i] + spread * random.nextGaussian();
                biases[t][c] = 0.5 * random.nextGaussian();
            }
        }
    }

    public int tasks() { return tasks; }
    public int dim() { return dim; }
    public int classes() { return classes; }

    /** A batch: x [tasks, perTask, dim] row-major and labels [tasks * perTask]. */
    public record Batch(float[] x, int[] labels, int perTask) {}

    /** Draws {@code perTask} fresh samples for every task from the family's random stream. */
    public Batch sample(int perTask) {
        float[] x = new float[tasks * perTask * dim];
        int[] labels = new int[tasks * perTask];
        double[] v = new double[dim];
        for (int t = 0; t < tasks; t++) {
            for (int n = 0; n < perTask; n++) {
                for (int i = 0; i < dim; i++) {
                    v[i] = random.nextGaussian();
                    x[(t * perTask + n) * dim + i] = (float) v[i];
                }
                labels[t * perTask + n] = label(t, v);
            }
        }
        return new Batch(x, labels, perTask);
    }

    /** The true label of x under task t. */
    public int label(int task, double[] x) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            double s = biases[task][c];
            for (int i = 0; i < dim; i++) s += weights[task][c][i] * x[i];
            if (s > bestScore) { bestScore = s; best = c; }
        }
        return best;
    }
}
