package dev.hyperweave.cuda;

/**
 * A launch's grid or block extent. Every extent must be at least 1; the device's own limits (1024
 * threads per block on current GPUs, for one) are checked by the driver at launch.
 *
 * @param x the extent in x, the fastest-varying index
 * @param y the extent in y
 * @param z the extent in z
 */
public record Dim3(int x, int y, int z) {
    /**
     * Checks the extents.
     *
     * @param x the extent in x
     * @param y the extent in y
     * @param z the extent in z
     * @throws IllegalArgumentException if any extent is below 1
     */
    public Dim3 {
        if (x < 1 || y < 1 || z < 1) throw new IllegalArgumentException("launch extents must be >= 1, got (" + x + ", " + y + ", " + z + ")");
    }

    /**
     * A one-dimensional extent, {@code (x, 1, 1)}.
     *
     * @param x the extent in x
     * @return the extent
     * @throws IllegalArgumentException if {@code x} is below 1
     */
    public static Dim3 of(int x) {
        return new Dim3(x, 1, 1);
    }

    /**
     * A two-dimensional extent, {@code (x, y, 1)}.
     *
     * @param x the extent in x
     * @param y the extent in y
     * @return the extent
     * @throws IllegalArgumentException if {@code x} or {@code y} is below 1
     */
    public static Dim3 of(int x, int y) {
        return new Dim3(x, y, 1);
    }

    /**
     * The number of blocks in a grid, or of threads in a block.
     *
     * @return {@code x * y * z}, computed in {@code long} so that it cannot overflow
     */
    public long volume() {
        return (long) x * y * z;
    }
}
