package dev.hyperweave.hyper;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Init;
import dev.hyperweave.graph.Node;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.ShapeException;

/**
 * Task embeddings -> MLP -> all P target parameters in one head (WORKLOADS.md W1):
 * e_t = E[task_t]; weights[t] = head(hidden(e_t)). The head alone has (h + 1) * P parameters, h the
 * last hidden width (embeddingDim without hidden layers); {@link ChunkedHypernet} trades it for a
 * smaller head shared by all chunks.
 *
 * <p>A description only: {@link #generate} creates the parameters in the graph it is given.
 *
 * @param tasks        rows of the task embedding table: task ids must lie in [0, tasks)
 * @param embeddingDim width of a task embedding
 * @param hidden       widths of the hidden layers, copied on construction and by the accessor; may be
 *                     empty (then the head maps embeddings to weights directly)
 * @param activation   the activation after every hidden layer; the head is linear
 */
public record FullHypernet(int tasks, int embeddingDim, int[] hidden, Activation activation) {

    /**
     * Validates the sizes and copies {@code hidden}.
     *
     * @throws IllegalArgumentException if {@code tasks} or {@code embeddingDim} is not positive
     */
    public FullHypernet {
        if (tasks < 1 || embeddingDim < 1) throw new IllegalArgumentException("full hypernetwork: tasks and embedding size must be positive");
        hidden = hidden.clone();
    }

    /**
     * The hidden layers' widths.
     *
     * @return a copy, so the record stays unchanged
     */
    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    /**
     * Generates [T, P] weights for the T task ids in {@code taskIds} (I32 [T]). Adds the parameters
     * {@code hnet.task_embedding} [tasks, embeddingDim] (initialised N(0, 1)) and the MLP's
     * {@code hnet.l<i>.w} and {@code hnet.l<i>.b} (see {@link Mlp#build}) to {@code g}, so one graph
     * holds one hypernetwork.
     *
     * @param g          the graph to add the parameters and ops to
     * @param taskIds    an I32 [T] node; T may differ from {@link #tasks()}. Ids outside [0, tasks) fail
     *                   the session's step with IllegalArgumentException
     * @param paramCount P, the target network's parameter count ({@link TargetMlp#paramCount()})
     * @return the weights [T, P], contiguous, row t for task {@code taskIds[t]}
     * @throws ShapeException           if {@code taskIds} is not I32 of rank 1
     * @throws IllegalArgumentException if {@code g} already has a parameter of those names
     */
    public Node generate(Graph g, Node taskIds, int paramCount) {
        if (taskIds.rank() != 1 || taskIds.dtype() != DType.I32) throw new ShapeException("full hypernetwork: task ids must be I32 [T], got " + taskIds);
        Node table = g.parameter("hnet.task_embedding", Init.normal(1), tasks, embeddingDim);
        Node e = g.gather(table, taskIds);
        int[] widths = java.util.Arrays.copyOf(hidden, hidden.length + 1);
        widths[hidden.length] = paramCount;
        return Mlp.build(g, "hnet", e, activation, widths);
    }
}
