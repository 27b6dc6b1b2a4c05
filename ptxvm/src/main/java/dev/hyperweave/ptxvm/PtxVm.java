package dev.hyperweave.ptxvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A PTX interpreter: runs kernels on the CPU with every memory access checked and what each launch
 * executed counted. Behind the stand-in driver it is the {@link KernelRunner}
 * ({@code StandinDriver.registerRunner(new PtxVm())}); on its own, {@link #allocate} and
 * {@link #run} run a kernel over buffers it owns.
 *
 * <pre>{@code
 * try (PtxVm vm = new PtxVm()) {
 *     PtxVm.Buffer out = vm.allocate(4 * 256);
 *     LaunchStats s = vm.run(ptx, "fill", new int[] {1, 1, 1}, new int[] {256, 1, 1}, out, 256);
 * }
 * }</pre>
 */
public final class PtxVm implements KernelRunner, AutoCloseable {
    /** Instructions one launch may execute before it is stopped as an endless loop. */
    public static final long DEFAULT_BUDGET = Long.getLong("hyperweave.ptxvm.budget", 4_000_000_000L);

    private final Map<Long, PtxModule> modules = new HashMap<>();
    private final Map<Long, PtxModule.Kernel> functions = new HashMap<>();
    private final List<Buffer> buffers = new ArrayList<>();
    private final long budget;
    private long nextId = 1;
    private LaunchStats last;

    public PtxVm() {
        this(DEFAULT_BUDGET);
    }

    /** A VM that stops a launch after {@code budget} executed instructions. */
    public PtxVm(long budget) {
        if (budget < 1) throw new IllegalArgumentException("instruction budget must be positive, got " + budget);
        this.budget = budget;
    }

    /** Host memory the VM treats as a live global allocation. */
    public final class Buffer {
        private final Arena arena = Arena.ofShared();
        private final MemorySegment segment;

        private Buffer(long bytes) {
            segment = arena.allocate(bytes, 256);
        }

        public long address() {
            return segment.address();
        }

        public long byteSize() {
            return segment.byteSize();
        }

        public MemorySegment segment() {
            return segment;
        }
    }

    public synchronized Buffer allocate(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("buffer of " + bytes + " bytes: the size must be positive");
        Buffer b = new Buffer(bytes);
        buffers.add(b);
        return b;
    }

    /** What the last launch executed. */
    public synchronized LaunchStats lastLaunch() {
        return last;
    }

    // ---- KernelRunner --------------------------------------------------------------------------

    @Override
    public synchronized long loadModule(String ptx) {
        PtxModule m = PtxParser.parse(ptx);
        long id = nextId++;
        modules.put(id, m);
        return id;
    }

    @Override
    public synchronized void unloadModule(long module) {
        PtxModule m = modules.remove(module);
        if (m == null) return;
        functions.values().removeIf(k -> m.kernels.containsValue(k));
        m.close();
    }

    @Override
    public synchronized long function(long module, String name) {
        PtxModule m = modules.get(module);
        if (m == null) throw new PtxVmException(KernelRunnerException.CUDA_ERROR_INVALID_VALUE, "no module " + module);
        PtxModule.Kernel k = m.kernels.get(name);
        if (k == null) {
            throw new PtxVmException(KernelRunnerException.CUDA_ERROR_NOT_FOUND, "no kernel " + name + " in the module (it has "
                    + String.join(", ", m.kernels.keySet()) + ")");
        }
        long id = nextId++;
        functions.put(id, k);
        return id;
    }

    @Override
    public synchronized int functionAttribute(long function, int attribute) {
        PtxModule.Kernel k = kernel(function);
        return switch (attribute) {
            case 0 -> 1024;                    // CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK
            case 1 -> (int) k.staticShared;    // SHARED_SIZE_BYTES
            case 3 -> (int) k.localBytes;      // LOCAL_SIZE_BYTES
            case 4 -> k.registers;             // NUM_REGS (virtual registers)
            default -> 0;
        };
    }

    private PtxModule.Kernel kernel(long function) {
        PtxModule.Kernel k = functions.get(function);
        if (k == null) throw new PtxVmException(KernelRunnerException.CUDA_ERROR_INVALID_VALUE, "no function " + function);
        return k;
    }

    @Override
    public synchronized void launch(long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                    int sharedBytes, MemorySegment params) {
        PtxModule.Kernel k = kernel(function);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, k.paramBytes), 16);
            MemorySegment ptrs = params.reinterpret(8L * k.params.size());
            for (int i = 0; i < k.params.size(); i++) {
                PtxModule.Symbol p = k.params.get(i);
                MemorySegment value = ptrs.getAtIndex(ValueLayout.ADDRESS, i).reinterpret(p.size);
                MemorySegment.copy(value, 0, buf, p.offset, p.size);
            }
            last = execute(k, new int[] {gridX, gridY, gridZ}, new int[] {blockX, blockY, blockZ}, sharedBytes, buf, arena);
        }
    }

    // ---- direct use ----------------------------------------------------------------------------

    /** Loads {@code ptx}, runs {@code kernel} once over the grid, unloads; see the class comment for args. */
    public LaunchStats run(String ptx, String kernel, int[] grid, int[] block, Object... args) {
        return runWithDynamicShared(ptx, kernel, grid, block, 0, args);
    }

    /**
     * As {@link #run(String, String, int[], int[], Object...)} with dynamic shared memory. Arguments
     * in .param order: a Buffer passes its address (.u64), Integer 4 bytes, Long 8, Float, Double.
     */
    public synchronized LaunchStats runWithDynamicShared(String ptx, String kernel, int[] grid, int[] block, int dynamicSharedBytes,
                                                         Object... args) {
        long module = loadModule(ptx);
        try {
            PtxModule.Kernel k = kernel(function(module, kernel));
            if (args.length != k.params.size()) {
                throw new IllegalArgumentException("kernel " + kernel + " takes " + k.params.size() + " parameters, got " + args.length);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Math.max(1, k.paramBytes), 16);
                for (int i = 0; i < args.length; i++) {
                    PtxModule.Symbol p = k.params.get(i);
                    long o = p.offset;
                    int size = switch (args[i]) {
                        case Buffer b -> { buf.set(ValueLayout.JAVA_LONG_UNALIGNED, o, b.address()); yield 8; }
                        case Integer v -> { buf.set(ValueLayout.JAVA_INT_UNALIGNED, o, v); yield 4; }
                        case Long v -> { buf.set(ValueLayout.JAVA_LONG_UNALIGNED, o, v); yield 8; }
                        case Float v -> { buf.set(ValueLayout.JAVA_FLOAT_UNALIGNED, o, v); yield 4; }
                        case Double v -> { buf.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, o, v); yield 8; }
                        default -> throw new IllegalArgumentException("argument " + i + " of " + kernel + ": a "
                                + args[i].getClass().getSimpleName() + " (use a Buffer, Integer, Long, Float or Double)");
                    };
                    if (size != p.size) {
                        throw new IllegalArgumentException("argument " + i + " of " + kernel + " (" + p.name + ") takes " + p.size
                                + " bytes, got a " + args[i].getClass().getSimpleName());
                    }
                }
                last = execute(k, grid, block, dynamicSharedBytes, buf, arena);
                return last;
            }
        } finally {
            unloadModule(module);
        }
    }

    private LaunchStats execute(PtxModule.Kernel k, int[] grid, int[] block, int dynamicShared, MemorySegment params, Arena arena) {
        if (grid.length != 3 || block.length != 3) throw new IllegalArgumentException("grid and block need 3 extents");
        long threads = (long) block[0] * block[1] * block[2];
        for (int v : grid) if (v < 1) throw new IllegalArgumentException("grid extents must be >= 1: " + Arrays.toString(grid));
        for (int v : block) if (v < 1) throw new IllegalArgumentException("block extents must be >= 1: " + Arrays.toString(block));
        if (threads > 1024) throw new IllegalArgumentException("a block of " + threads + " threads (the limit is 1024)");
        if (dynamicShared < 0) throw new IllegalArgumentException("negative dynamic shared memory: " + dynamicShared);
        return new Executor(k, grid, block, dynamicShared, params, globalMemory(), arena, budget).run();
    }

    /** The VM's own buffers, every loaded module's .global variables and, if installed, the stand-in's allocations. */
    private Executor.GlobalMemory globalMemory() {
        List<long[]> ranges = new ArrayList<>();
        for (Buffer b : buffers) ranges.add(new long[] {b.address(), b.byteSize()});
        for (PtxModule m : modules.values()) {
            for (MemorySegment g : m.globalVars.values()) ranges.add(new long[] {g.address(), g.byteSize()});
        }
        if (StandinDriver.installed()) {
            long[][] a = StandinDriver.allocations();
            for (int i = 0; i < a[0].length; i++) ranges.add(new long[] {a[0][i], a[1][i]});
        }
        ranges.sort((x, y) -> Long.compareUnsigned(x[0], y[0]));
        long[] bases = new long[ranges.size()], ends = new long[ranges.size()];
        for (int i = 0; i < bases.length; i++) {
            bases[i] = ranges.get(i)[0];
            ends[i] = ranges.get(i)[0] + ranges.get(i)[1];
        }
        return (address, bytes) -> {
            int i = Arrays.binarySearch(bases, address);
            if (i < 0) i = -i - 2;
            return i >= 0 && address >= bases[i] && address + bytes <= ends[i];
        };
    }

    @Override
    public synchronized void close() {
        for (PtxModule m : modules.values()) m.close();
        modules.clear();
        functions.clear();
        for (Buffer b : buffers) b.arena.close();
        buffers.clear();
    }
}
