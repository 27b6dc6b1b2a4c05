package dev.hyperweave.tensor;

import java.lang.foreign.ValueLayout;

/** Element types. F64 exists for the reference backend's double-precision gradient checks. */
public enum DType {
    F32(4, ValueLayout.JAVA_FLOAT_UNALIGNED),
    F64(8, ValueLayout.JAVA_DOUBLE_UNALIGNED),
    I32(4, ValueLayout.JAVA_INT_UNALIGNED);

    private final int byteSize;
    private final ValueLayout layout;

    DType(int byteSize, ValueLayout layout) {
        this.byteSize = byteSize;
        this.layout = layout;
    }

    public int byteSize() { return byteSize; }

    public ValueLayout layout() { return layout; }

    public boolean isFloating() { return this != I32; }
}
