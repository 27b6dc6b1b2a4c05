package dev.hyperweave.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TensorTest {

    @Test
    void allocationsAre64ByteAlignedAndZeroed() {
        try (TensorArena arena = new TensorArena()) {
            for (int n : new int[] {1, 7, 33, 257}) {
                Tensor t = arena.allocate(DType.F32, n);
                assertEquals(0, t.segment().address() % 64, "alignment of a " + n + "-element tensor");
                for (int i = 0; i < n; i++) assertEquals(0.0, t.getLinear(i));
            }
        }
    }

    @Test
    void viewsShareStorageAndNeverCopy() {
        try (TensorArena arena = new TensorArena()) {
            Tensor t = arena.allocate(DType.F32, 3, 4, 5);
            double[] v = new double[60];
            for (int i = 0; i < 60; i++) v[i] = i * 0.5 - 7;
            t.copyFrom(v);
            Tensor s = t.slice(2, 1, 3);
            assertSame(t.segment(), s.segment());
            assertEquals(t.get(2, 3, 2), s.get(2, 3, 1));
            Tensor tr = t.transpose(0, 2);
            assertArrayEquals(new int[] {5, 4, 3}, tr.shape());
            assertEquals(t.get(1, 2, 3), tr.get(3, 2, 1));
            Tensor r = t.reshape(12, 5);
            assertEquals(t.get(2, 1, 4), r.get(9, 4));
            Tensor e = t.select(1, 2).unsqueeze(1).expand(3, 6, 5);
            assertEquals(0, e.stride(1));
            assertEquals(t.get(1, 2, 3), e.get(1, 5, 3));
            s.set(99, 0, 0, 0);
            assertEquals(99, t.get(0, 0, 1));
        }
    }

    @Test
    void reshapeOfStridedViewsWhereStridesAllow() {
        try (TensorArena arena = new TensorArena()) {
            Tensor tp = arena.allocate(DType.F32, 4, 30);
            // Columns [5, 17) of each row: [4, 12] with row stride 30, split into [4, 3, 4]: a view.
            Tensor w = tp.slice(1, 5, 12).reshape(4, 3, 4);
            assertArrayEquals(new long[] {30, 4, 1}, w.strides());
            // Merging rows of a column slice is not expressible as a view.
            ShapeException ex = assertThrows(ShapeException.class, () -> tp.slice(1, 5, 12).reshape(48));
            assertTrue(ex.getMessage().contains("[4, 12]") && ex.getMessage().contains("[48]"), ex.getMessage());
            assertFalse(tp.transpose(0, 1).canReshape(120));
        }
    }

    @Test
    void outOfRangeViewsAreRejectedWithShapes() {
        try (TensorArena arena = new TensorArena()) {
            Tensor t = arena.allocate(DType.F32, 3, 4);
            ShapeException ex = assertThrows(ShapeException.class, () -> t.slice(1, 2, 3));
            assertTrue(ex.getMessage().contains("[3, 4]"), ex.getMessage());
            assertThrows(ShapeException.class, () -> t.reshape(5, 2));
            assertThrows(ShapeException.class, () -> t.expand(3, 5));
        }
    }

    @Test
    void useAfterCloseIsAnErrorNotACrash() {
        TensorArena arena = new TensorArena();
        Tensor t = arena.allocate(DType.F32, 8);
        arena.close();
        arena.close(); // harmless
        assertThrows(IllegalStateException.class, () -> t.getLinear(0));
        assertThrows(IllegalStateException.class, () -> arena.allocate(DType.F32, 2));
    }

    @Test
    void badDimsAndDtypesAreShapeErrors() {
        try (TensorArena arena = new TensorArena()) {
            Tensor t = arena.allocate(DType.F32, 3, 4);
            assertEquals(4, t.dim(-1));
            assertThrows(ShapeException.class, () -> t.dim(2));
            assertThrows(ShapeException.class, () -> t.stride(-3));
            assertThrows(ShapeException.class, () -> t.getInt(0));
            int[] shape = {3, 4};
            Tensor u = new Tensor(t.segment(), DType.F32, 0, shape, new long[] {4, 1});
            shape[0] = 99; // the tensor keeps its own copy
            assertEquals(3, u.dim(0));
        }
    }
}
