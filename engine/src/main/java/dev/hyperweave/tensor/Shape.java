package dev.hyperweave.tensor;

import java.util.Arrays;

/**
 * Static helpers on shapes: {@code int[]} dims, outermost first, laid out row-major. Strides are in
 * elements, not bytes. None of the helpers validates dims unless it says so.
 */
public final class Shape {
    private Shape() {}

    /**
     * The element count: the product of the dims (1 for the empty shape, 0 if any dim is 0).
     *
     * @param shape the dims; not validated, and the product is not checked for overflow
     * @return the product of the dims
     */
    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /**
     * Row-major element strides: the last dim has stride 1, each other dim the product of the dims
     * after it. A zero dim makes the strides of the dims before it 0.
     *
     * @param shape the dims
     * @return a new array of {@code shape.length} strides
     */
    public static long[] contiguousStrides(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /**
     * Formats a shape for messages.
     *
     * @param shape the dims
     * @return the dims as {@link Arrays#toString(int[])} writes them, such as {@code [2, 3]}
     */
    public static String str(int[] shape) { return Arrays.toString(shape); }

    /**
     * A shape from its dims.
     *
     * @param dims the dims, outermost first; not validated
     * @return a copy of {@code dims}
     */
    public static int[] of(int... dims) { return dims.clone(); }

    /**
     * A copy of {@code a} without element {@code i}.
     *
     * @param a the array
     * @param i the index to drop, in {@code [0, a.length)}
     * @return a new array of {@code a.length - 1} elements
     */
    public static int[] remove(int[] a, int i) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }

    /**
     * A copy of {@code a} without element {@code i}.
     *
     * @param a the array (strides, say)
     * @param i the index to drop, in {@code [0, a.length)}
     * @return a new array of {@code a.length - 1} elements
     */
    public static long[] remove(long[] a, int i) {
        long[] r = new long[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }

    /**
     * Checks that no dim is negative (zero dims are valid).
     *
     * @param shape the dims
     * @throws ShapeException naming the shape, if a dim is negative
     */
    public static void checkValid(int[] shape) {
        for (int d : shape) {
            if (d < 0) throw new ShapeException("negative dimension in shape " + str(shape));
        }
    }
}
