package dev.hyperweave.hyper;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Init;
import dev.hyperweave.graph.Node;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.ShapeException;

/**
 * Task embeddings -> MLP -> all P target parameters in one head (WORKLOADS.md W1):
 * e_t = E[task_t]; weights[t] = head(hidden(e_t)).
 */
public record FullHypernet(int tasks, int embeddingDim, int[] hidden, Activation activation) {

    public FullHypernet {
        if (tasks < 1 || embeddingDim < 1) throw new IllegalArgumentException("full hypernetwork: tasks and embedding size must be positive");
        hidden = hidden.clone();
    }

    /** Generates [T, P] weights for the T task ids in {@code taskIds} (I32 [T]). */
    public Node generate(Graph g, Node taskIds, int paramCount) {
        if (taskIds.rank() != 1 || taskIds.dtype() != DType.I32) throw new ShapeException("full hypernetwork: task ids must be I32 [T], got " + taskIds);
        Node table = g.parameter("hnet.task_embedding", Init.normal(1), tasks, embeddingDim);
        Node e = g.gather(table, taskIds);
        int[] widths = java.util.Arrays.copyOf(hidden, hidden.length + 1);
        widths[hidden.length] = paramCount;
        return Mlp.build(g, "hnet", e, activation, widths);
    }
}
