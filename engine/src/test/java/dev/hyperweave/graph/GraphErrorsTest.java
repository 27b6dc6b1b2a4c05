package dev.hyperweave.graph;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.ShapeException;
import dev.hyperweave.train.Optimizer;
import dev.hyperweave.train.Session;
import org.junit.jupiter.api.Test;

import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** A shape mismatch names the op and both shapes, at graph-building time. */
class GraphErrorsTest {

    private static void fails(String op, String shapeA, String shapeB, Consumer<Graph> build) {
        ShapeException e = assertThrows(ShapeException.class, () -> build.accept(new Graph()));
        String m = e.getMessage();
        assertTrue(m.startsWith(op), "'" + m + "' should start with " + op);
        assertTrue(m.contains(shapeA) && m.contains(shapeB), "'" + m + "' should name " + shapeA + " and " + shapeB);
    }

    @Test
    void mismatchesNameOpAndShapes() {
        fails("matmul", "[3, 4]", "[5, 6]", g -> g.matmul(g.input("a", DType.F32, 3, 4), g.input("b", DType.F32, 5, 6)));
        fails("matmul", "[2, 3, 4]", "[3, 4, 6]", g -> g.matmul(g.input("a", DType.F32, 2, 3, 4), g.input("b", DType.F32, 3, 4, 6)));
        fails("add", "[3, 4]", "[4, 3]", g -> g.add(g.input("a", DType.F32, 3, 4), g.input("b", DType.F32, 4, 3)));
        fails("mul", "[2]", "[3]", g -> g.mul(g.input("a", DType.F32, 2), g.input("b", DType.F32, 3)));
        fails("linear", "[8, 5]", "[4, 6]", g -> g.linear(g.input("x", DType.F32, 8, 5), g.input("w", DType.F32, 4, 6), null, Activation.RELU));
        fails("biasAdd", "[5]", "[3, 4]", g -> g.biasAdd(g.input("x", DType.F32, 3, 4), g.input("b", DType.F32, 5)));
        fails("concat", "[3, 2]", "[4, 2]", g -> g.concat(1, g.input("a", DType.F32, 3, 2), g.input("b", DType.F32, 4, 2)));
        fails("reshape", "[3, 4]", "[5]", g -> g.reshape(g.input("a", DType.F32, 3, 4), 5));
        fails("expand", "[3, 4]", "[3, 5]", g -> g.expand(g.input("a", DType.F32, 3, 4), 3, 5));
        fails("softmaxCrossEntropy", "[6, 3]", "[5]", g -> g.softmaxCrossEntropy(g.input("l", DType.F32, 6, 3), g.input("y", DType.I32, 5)));
        fails("meanSquaredError", "[3]", "[4]", g -> g.meanSquaredError(g.input("p", DType.F32, 3), g.input("t", DType.F32, 4)));
        fails("gather", "[4, 5]", "[2, 2]", g -> g.gather(g.input("t", DType.F32, 4, 5), g.input("i", DType.I32, 2, 2)));
    }

    @Test
    void badLabelsAndIndicesAreReportedAtRunTime() {
        Graph g = new Graph();
        Node emb = g.parameter("emb", Init.normal(1), 4, 3);
        Node ids = g.input("ids", DType.I32, 2);
        Node logits = g.gather(emb, ids);
        Node loss = g.softmaxCrossEntropy(logits, g.input("y", DType.I32, 2));
        try (CpuBackend cpu = new CpuBackend(1); Session s = Session.training(g, loss, Optimizer.adam(1e-3), cpu, 1)) {
            s.setInput("ids", new int[] {1, 2});
            s.setInput("y", new int[] {0, 3});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, s::step);
            assertTrue(e.getMessage().contains("3"), e.getMessage());
            s.setInput("y", new int[] {0, 1});
            s.setInput("ids", new int[] {1, 4});
            e = assertThrows(IllegalArgumentException.class, s::step);
            assertTrue(e.getMessage().contains("4"), e.getMessage());
            ShapeException se = assertThrows(ShapeException.class, () -> s.setInput("ids", new int[] {1, 2, 3}));
            assertTrue(se.getMessage().contains("ids") && se.getMessage().contains("[2]"), se.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.input("nope"));
        }
    }

    @Test
    void sessionLifetime() {
        Graph g = new Graph();
        Node p = g.parameter("p", Init.normal(1), 3);
        Node loss = g.sum(g.mul(p, p));
        Session s = Session.training(g, loss, Optimizer.sgd(0.1), new dev.hyperweave.backend.reference.ReferenceBackend(), 1);
        double l0 = s.step();
        assertTrue(s.step() < l0, "SGD on sum(p^2) must descend");
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, s::step);
    }
}
