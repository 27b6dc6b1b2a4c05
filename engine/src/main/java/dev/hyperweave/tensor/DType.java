package dev.hyperweave.tensor;

import java.lang.foreign.ValueLayout;

/** Element types. F64 exists for the reference backend's double-precision gradient checks. */
public enum DType {
    /** 32-bit IEEE float: the floating type of every backend. */
    F32(4, ValueLayout.JAVA_FLOAT_UNALIGNED),
    /** 64-bit IEEE double: computed on by the reference backend only. */
    F64(8, ValueLayout.JAVA_DOUBLE_UNALIGNED),
    /** 32-bit signed integer: labels and indices. */
    I32(4, ValueLayout.JAVA_INT_UNALIGNED);

    private final int byteSize;
    private final ValueLayout layout;

    DType(int byteSize, ValueLayout layout) {
        this.byteSize = byteSize;
        this.layout = layout;
    }

    /**
     * The size of one element.
     *
     * @return bytes per element: 4 or 8
     */
    public int byteSize() { return byteSize; }

    /**
     * The layout of one element, in native byte order and unaligned, so it can address any element
     * offset of a view.
     *
     * @return the element layout
     */
    public ValueLayout layout() { return layout; }

    /**
     * Whether this is a floating type, which the compute kernels take (I32 is only for labels and indices).
     *
     * @return true for {@link #F32} and {@link #F64}, false for {@link #I32}
     */
    public boolean isFloating() { return this != I32; }
}
