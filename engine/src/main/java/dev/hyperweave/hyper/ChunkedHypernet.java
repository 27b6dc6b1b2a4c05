package dev.hyperweave.hyper;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Init;
import dev.hyperweave.graph.Node;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.ShapeException;

/**
 * Chunked hypernetwork (WORKLOADS.md W2): for task t and chunk k the input is concat(e_t, c_k) with
 * learned chunk embeddings c_k; one MLP maps all T*K rows to chunks of C values; each task's K chunks
 * are concatenated and cut to P. Concatenation and cut are views: [T*K, C] is read as [T, K*C] and
 * its first P columns. The last K*C - P values of each row are computed and discarded.
 *
 * <p>A description only: {@link #generate} creates the parameters in the graph it is given.
 *
 * @param tasks             rows of the task embedding table: task ids must lie in [0, tasks)
 * @param embeddingDim      width of a task embedding
 * @param chunkEmbeddingDim width of a chunk embedding
 * @param chunkSize         C, the values the MLP generates per row
 * @param hidden            widths of the MLP's hidden layers, copied on construction and by the
 *                          accessor; may be empty.
 * @param activation        the activation after every hidden layer; the output layer is linear
 */
public record ChunkedHypernet(int tasks, int embeddingDim, int chunkEmbeddingDim, int chunkSize, int[] hidden, Activation activation) {

    /**
     * Validates the sizes and copies {@code hidden}.
     *
     * @throws IllegalArgumentException if {@code tasks}, an embedding width or {@code chunkSize} is not positive
     */
    public ChunkedHypernet {
        if (tasks < 1 || embeddingDim < 1 || chunkEmbeddingDim < 1 || chunkSize < 1) {
            throw new IllegalArgumentException("chunked hypernetwork: tasks, embedding sizes and chunk size must be positive");
        }
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
     * K = ceil(P / C).
     *
     * @param paramCount P, the target network's parameter count
     * @return K, the chunks per task
     */
    public int chunks(int paramCount) { return (paramCount + chunkSize - 1) / chunkSize; }

    /**
     * Generates [T, P] weights for the T task ids in {@code taskIds} (I32 [T]). Adds the parameters
     * {@code hnet.task_embedding} [tasks, embeddingDim] and {@code hnet.chunk_embedding}
     * [K, chunkEmbeddingDim] (both initialised N(0, 1)) and the MLP's {@code hnet.l<i>.w} and
     * {@code hnet.l<i>.b} (see {@link Mlp#build}) to {@code g}, so one graph holds one hypernetwork.
     *
     * @param g          the graph to add the parameters and ops to
     * @param taskIds    an I32 [T] node; T may differ from {@link #tasks()}. Ids outside [0, tasks) fail
     *                   the session's step with IllegalArgumentException
     * @param paramCount P, the target network's parameter count ({@link TargetMlp#paramCount()})
     * @return the weights [T, P]: a strided view (row stride K*C) of the MLP's output, row t for task
     *         {@code taskIds[t]}
     * @throws ShapeException           if {@code taskIds} is not I32 of rank 1
     * @throws IllegalArgumentException if {@code g} already has a parameter of those names
     */
    public Node generate(Graph g, Node taskIds, int paramCount) {
        if (taskIds.rank() != 1 || taskIds.dtype() != DType.I32) throw new ShapeException("chunked hypernetwork: task ids must be I32 [T], got " + taskIds);
        int t = taskIds.dim(0), k = chunks(paramCount);
        Node table = g.parameter("hnet.task_embedding", Init.normal(1), tasks, embeddingDim);
        Node chunkEmb = g.parameter("hnet.chunk_embedding", Init.normal(1), k, chunkEmbeddingDim);
        Node e = g.expand(g.reshape(g.gather(table, taskIds), t, 1, embeddingDim), t, k, embeddingDim);
        Node c = g.expand(g.reshape(chunkEmb, 1, k, chunkEmbeddingDim), t, k, chunkEmbeddingDim);
        Node in = g.reshape(g.concat(2, e, c), t * k, embeddingDim + chunkEmbeddingDim);
        int[] widths = java.util.Arrays.copyOf(hidden, hidden.length + 1);
        widths[hidden.length] = chunkSize;
        Node chunksOut = Mlp.build(g, "hnet", in, activation, widths);
        return g.slice(g.reshape(chunksOut, t, k * chunkSize), 1, 0, paramCount);
    }
}
