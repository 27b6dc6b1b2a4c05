package dev.hyperweave.ptxvm;

import dev.hyperweave.ptxvm.Insn.Op;
import dev.hyperweave.ptxvm.Insn.Opd;
import dev.hyperweave.ptxvm.Insn.Space;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs one launch of a decoded kernel: every CTA of the grid in turn; within a CTA each thread runs
 * until it reaches a barrier, a warp collective (shfl, vote, activemask) or its end. A warp
 * collective runs once every non-exited lane its member mask names stands at that same instruction
 * with the same mask (lanes of one warp may run several collectives with disjoint masks); a barrier
 * releases once every thread of the CTA that has not exited stands at it. Anything that can never
 * complete is an error naming the kernel and the line, never a hang. Every memory access is checked
 * against what is live in its state space.
 */
final class Executor {
    /** Generic addresses of the shared and local windows (host addresses stay below 2^47). */
    static final long SHARED_WINDOW = 1L << 56, LOCAL_WINDOW = 2L << 56, WINDOW_MASK = (1L << 56) - 1;

    private static final int RUNNING = 0, AT_BARRIER = 1, AT_COLLECTIVE = 2, EXITED = 3;
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ValueLayout.OfByte B = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED;

    private final PtxModule.Kernel k;
    private final Insn[] code;
    private final int nregs;
    private final int[] regBits;
    private final int bx, by, bz, gx, gy, gz, threads;
    private final long[] regs;
    private final int[] pc;
    private final byte[] state;
    private final boolean[] carry; // each thread's condition code CC.CF (add.cc, addc, ...)
    private final MemorySegment params, shared, local;
    private final long sharedSize;
    private final GlobalMemory global;
    private final long budget;
    private int cx, cy, cz;
    private long executed;
    private final long[] kinds = new long[Insn.Kind.values().length];
    private long globalBytes, sharedBytes, localBytes, paramBytes;

    /** The live global allocations a launch may touch. */
    interface GlobalMemory {
        /** True if [address, address+bytes) lies inside one live allocation. */
        boolean contains(long address, long bytes);
    }

    Executor(PtxModule.Kernel k, int[] grid, int[] block, int dynamicShared, MemorySegment params, GlobalMemory global,
             Arena arena, long budget) {
        this.k = k;
        this.code = k.code;
        this.nregs = Math.max(1, k.registers);
        this.regBits = k.registerBits;
        gx = grid[0]; gy = grid[1]; gz = grid[2];
        bx = block[0]; by = block[1]; bz = block[2];
        threads = bx * by * bz;
        regs = new long[threads * nregs];
        pc = new int[threads];
        state = new byte[threads];
        carry = new boolean[threads];
        this.params = params;
        this.global = global;
        this.budget = budget;
        sharedSize = k.staticShared + dynamicShared;
        shared = arena.allocate(Math.max(1, sharedSize), 16);
        local = arena.allocate(Math.max(1, k.localBytes * threads), 16);
    }

    LaunchStats run() {
        for (cz = 0; cz < gz; cz++) {
            for (cy = 0; cy < gy; cy++) {
                for (cx = 0; cx < gx; cx++) runCta();
            }
        }
        return new LaunchStats(kinds[0], kinds[1], kinds[2], kinds[3], kinds[4], globalBytes, sharedBytes, localBytes, paramBytes);
    }

    // ---- scheduling ------------------------------------------------------------------------------

    private void runCta() {
        java.util.Arrays.fill(regs, 0);
        java.util.Arrays.fill(pc, 0);
        java.util.Arrays.fill(state, (byte) RUNNING);
        java.util.Arrays.fill(carry, false);
        shared.fill((byte) 0xcd); // not zero: a kernel reading shared memory it never wrote should look wrong
        int warps = (threads + 31) / 32;
        while (true) {
            for (int w = 0; w < warps; w++) runWarp(w);
            // Now every thread waits at a barrier or has exited. bar/barrier.sync waits for the threads of
            // the CTA that have not exited (PTX ISA 9.7.13.1), so with all live threads at one barrier it
            // completes; live threads split over different barriers wait for each other forever.
            int live = 0, first = -1;
            for (int t = 0; t < threads; t++) {
                if (state[t] == AT_BARRIER) {
                    live++;
                    if (first < 0) first = t;
                }
            }
            if (live == 0) return;
            long id = barrierId(first);
            for (int t = 0; t < threads; t++) {
                if (state[t] == AT_BARRIER && barrierId(t) != id) throw barrierDeadlock(t, first, id, live);
            }
            for (int t = 0; t < threads; t++) {
                if (state[t] == AT_BARRIER) {
                    state[t] = RUNNING;
                    pc[t]++;
                }
            }
        }
    }

    private long barrierId(int t) {
        return value(t, code[pc[t]].ops[0]);
    }

    private PtxVmException barrierDeadlock(int t, int first, long id, int live) {
        int atId = 0;
        for (int u = 0; u < threads; u++) if (state[u] == AT_BARRIER && barrierId(u) == id) atId++;
        int exited = threads - live;
        return fault(t, KernelRunnerException.CUDA_ERROR_LAUNCH_FAILED, "barrier that not all threads reach: " + atId + " of " + live
                + " live threads wait at barrier " + id + " (line " + code[pc[first]].line + ") while this thread waits at barrier "
                + barrierId(t) + "; a barrier completes only when every thread that has not exited arrives"
                + (exited > 0 ? " (" + exited + " have exited)" : ""));
    }

    /** Runs the warp's threads until each waits at a barrier or has exited, executing its collectives as their members meet. */
    private void runWarp(int w) {
        int t0 = w * 32, t1 = Math.min(threads, t0 + 32);
        while (true) {
            for (int t = t0; t < t1; t++) if (state[t] == RUNNING) runThread(t);
            // Every lane now waits or has exited. Check every waiting lane (so that a mask mismatch is found
            // whichever group comes first), then run the first collective whose members are all there.
            int lead = -1, leadMembers = 0;
            for (int t = t0; t < t1; t++) {
                if (state[t] != AT_COLLECTIVE) continue;
                int m = members(t, t0, t1, false);
                if (m != 0 && lead < 0) {
                    lead = t;
                    leadMembers = m;
                }
            }
            if (lead >= 0) {
                collective(lead, t0, t1, leadMembers);
                continue;
            }
            for (int t = t0; t < t1; t++) if (state[t] == AT_COLLECTIVE) members(t, t0, t1, true); // throws: none can complete
            return;
        }
    }

    /** The lane's member mask, as its instruction names it (activemask: the whole warp). */
    private int memberMask(int t) {
        Insn in = code[pc[t]];
        return in.op == Op.ACTIVEMASK ? -1 : (int) value(t, in.ops[in.ops.length - 1]);
    }

    /**
     * The lanes (as a bit mask) that run lane t's waiting collective together: those at the same
     * instruction with the same member mask (PTX ISA shfl.sync, vote.sync: each waits for the
     * non-exited lanes of its mask to execute the instruction with that mask). 0 while such a lane is
     * elsewhere; then, if {@code explain}, throws the reason instead. A lane of the mask at the same
     * instruction with another mask, or a mask without the lane itself, is always an error.
     * activemask gathers the lanes standing at it.
     */
    private int members(int t, int t0, int t1, boolean explain) {
        Insn in = code[pc[t]];
        int mask = memberMask(t), lane = t - t0, members = 0;
        for (int u = t0; u < t1; u++) {
            if (state[u] == AT_COLLECTIVE && pc[u] == pc[t] && memberMask(u) == mask) members |= 1 << (u - t0);
        }
        if (in.op == Op.ACTIVEMASK) return members;
        if ((mask >>> lane & 1) == 0) {
            throw fault(t, KernelRunnerException.CUDA_ERROR_LAUNCH_FAILED, "lane " + lane + " executes a warp collective whose member mask 0x"
                    + Integer.toHexString(mask) + " does not include it");
        }
        int missing = -1;
        for (int l = 0; l < 32 && missing < 0; l++) {
            int u = t0 + l;
            // Lanes past the end of the block and exited lanes take no part: the collective waits only for the non-exited ones.
            if ((mask >>> l & 1) == 0 || (members >>> l & 1) != 0 || u >= t1 || state[u] == EXITED) continue;
            if (state[u] == AT_COLLECTIVE && pc[u] == pc[t]) {
                throw fault(t, KernelRunnerException.CUDA_ERROR_LAUNCH_FAILED, "warp collective whose member threads disagree on the "
                        + "member mask: lane " + lane + " has 0x" + Integer.toHexString(mask) + ", lane " + l + " has 0x"
                        + Integer.toHexString(memberMask(u)));
            }
            missing = l;
        }
        if (missing < 0) return members;
        if (!explain) return 0;
        int u = t0 + missing; // waiting, as every lane of the warp is now: at a barrier or at another collective
        throw fault(t, KernelRunnerException.CUDA_ERROR_LAUNCH_FAILED, "warp collective whose member threads are at different "
                + "instructions: lane " + lane + " at line " + in.line + " with member mask 0x" + Integer.toHexString(mask) + ", lane "
                + missing + (state[u] == AT_BARRIER ? " waits at a barrier at line " : " is at line ") + code[pc[u]].line);
    }

    private void collective(int lead, int t0, int t1, int members) {
        Insn in = code[pc[lead]];
        for (int i = Integer.bitCount(members); i > 0; i--) count(in); // counted per thread, as every instruction
        switch (in.op) {
            case SHFL -> shfl(in, t0, t1, members);
            case VOTE -> vote(in, t0, t1, members);
            default -> { // ACTIVEMASK
                for (int t = t0; t < t1; t++) if ((members >>> (t - t0) & 1) != 0) set(t, in.ops[0], PtxType.B32, members & 0xffffffffL);
            }
        }
        for (int t = t0; t < t1; t++) {
            if ((members >>> (t - t0) & 1) != 0) {
                state[t] = RUNNING;
                pc[t]++;
            }
        }
    }

    private void shfl(Insn in, int t0, int t1, int members) {
        long[] a = new long[32];
        for (int t = t0; t < t1; t++) if ((members >>> (t - t0) & 1) != 0) a[t - t0] = value(t, in.ops[1]) & 0xffffffffL;
        for (int t = t0; t < t1; t++) {
            if ((members >>> (t - t0) & 1) == 0) continue;
            int lane = t - t0;
            int b = (int) value(t, in.ops[2]) & 0x1f, c = (int) value(t, in.ops[3]);
            int cval = c & 0x1f, segmask = (c >>> 8) & 0x1f;
            int maxLane = (lane & segmask) | (cval & ~segmask), minLane = lane & segmask;
            int j;
            boolean p;
            switch (in.mode) {
                case "up" -> { j = lane - b; p = j >= maxLane; }
                case "down" -> { j = lane + b; p = j <= maxLane; }
                case "bfly" -> { j = lane ^ b; p = j <= maxLane; }
                default -> { j = minLane | (b & ~segmask); p = j <= maxLane; }
            }
            if (!p) j = lane;
            if ((members >>> j & 1) == 0) {
                // PTX ISA: reading an inactive lane or one outside the member mask gives an undefined value
                String why = t0 + j >= t1 ? "is not in the block" : state[t0 + j] == EXITED ? "has exited" : "is not in the member mask";
                throw fault(t, KernelRunnerException.CUDA_ERROR_LAUNCH_FAILED, "shfl reads lane " + j + ", which is not taking part (it "
                        + why + ")");
            }
            Opd d = in.ops[0];
            if (d.reg >= 0) regs[t * nregs + d.reg] = a[j];
            if (d.reg2 >= 0) regs[t * nregs + d.reg2] = p ? 1 : 0;
        }
    }

    private void vote(Insn in, int t0, int t1, int members) {
        int ballot = 0;
        boolean all = true, any = false;
        Boolean first = null;
        boolean uni = true;
        for (int t = t0; t < t1; t++) {
            if ((members >>> (t - t0) & 1) == 0) continue;
            boolean v = predicate(t, in.ops[1]);
            if (v) ballot |= 1 << (t - t0);
            all &= v;
            any |= v;
            if (first == null) first = v;
            else uni &= first == v;
        }
        for (int t = t0; t < t1; t++) {
            if ((members >>> (t - t0) & 1) == 0) continue;
            long r = switch (in.mode) {
                case "all" -> all ? 1 : 0;
                case "any" -> any ? 1 : 0;
                case "uni" -> uni ? 1 : 0;
                default -> ballot & 0xffffffffL;
            };
            set(t, in.ops[0], in.type, r);
        }
    }

    // ---- one thread ------------------------------------------------------------------------------

    private void count(Insn in) {
        kinds[in.kind.ordinal()]++;
        if (++executed > budget) {
            throw new PtxVmException(702, "kernel " + k.name + ": more than " + budget + " instructions executed: stopped "
                    + "(an endless loop?) at line " + in.line + " (" + in.text + ")");
        }
    }

    private void runThread(int t) {
        final int base = t * nregs;
        while (true) {
            Insn in = code[pc[t]];
            if (in.guard >= 0 && ((regs[base + in.guard] & 1) != 0) == in.guardNeg) {
                pc[t]++;
                continue;
            }
            switch (in.op) {
                case BAR -> {
                    count(in);
                    if (in.ops.length > 1 && value(t, in.ops[1]) != threads) {
                        throw fault(t, KernelRunnerException.CUDA_ERROR_NOT_SUPPORTED, "bar.sync with a thread count other than the "
                                + "whole CTA is not supported");
                    }
                    state[t] = AT_BARRIER;
                    return;
                }
                case SHFL, VOTE, ACTIVEMASK -> {
                    state[t] = AT_COLLECTIVE;
                    return;
                }
                case RET, EXIT -> {
                    count(in);
                    state[t] = EXITED;
                    return;
                }
                case BRA -> {
                    count(in);
                    pc[t] = in.ops[0].target;
                    continue;
                }
                default -> {
                    count(in);
                    execute(t, in);
                    pc[t]++;
                }
            }
        }
    }

    // ---- operands --------------------------------------------------------------------------------

    private long special(int t, Opd o) {
        int tx = t % bx, ty = (t / bx) % by, tz = t / (bx * by);
        return switch (o.sreg) {
            case 0 -> o.comp == 0 ? tx : o.comp == 1 ? ty : tz;
            case 1 -> o.comp == 0 ? bx : o.comp == 1 ? by : bz;
            case 2 -> o.comp == 0 ? cx : o.comp == 1 ? cy : cz;
            case 3 -> o.comp == 0 ? gx : o.comp == 1 ? gy : gz;
            case 4 -> t & 31;
            case 5 -> t >> 5;
            case 6, 7 -> executed;
            case 8 -> (threads + 31) / 32;
            default -> { // %lanemask_lt, _le, _eq, _ge, _gt: bits below, up to, at, from, above the lane
                long eq = 1L << (t & 31), lt = eq - 1;
                yield switch (o.sreg) {
                    case 9 -> lt;
                    case 10 -> lt | eq;
                    case 11 -> eq;
                    case 12 -> ~lt & 0xffffffffL;
                    default -> ~(lt | eq) & 0xffffffffL;
                };
            }
        };
    }

    /** The operand's raw bits (registers hold values as their instruction wrote them). */
    private long value(int t, Opd o) {
        return switch (o.kind) {
            case Opd.REG -> o.neg ? (regs[t * nregs + o.reg] & 1) ^ 1 : regs[t * nregs + o.reg];
            case Opd.IMM -> o.imm;
            case Opd.SREG -> special(t, o);
            case Opd.SYM -> o.sym.offset;
            default -> throw fault(t, KernelRunnerException.CUDA_ERROR_INVALID_VALUE, "operand cannot be read as a value");
        };
    }

    private long typed(int t, Opd o, PtxType type) {
        return type.norm(value(t, o));
    }

    private boolean predicate(int t, Opd o) {
        return (value(t, o) & 1) != 0;
    }

    /**
     * Writes a result of the instruction type into a register. A register wider than the type (ld, cvt:
     * PTX ISA 9.4.1) receives it sign-extended for a signed integer type and zero-extended otherwise.
     */
    private void set(int t, Opd d, PtxType type, long v) {
        if (d.kind == Opd.SINK) return;
        if (d.kind != Opd.REG) throw fault(t, KernelRunnerException.CUDA_ERROR_INVALID_VALUE, "destination is not a register");
        long x = type.isSigned() ? type.norm(v) : v & mask(type.bits);
        regs[t * nregs + d.reg] = x & mask(Math.max(type.bits, regBits[d.reg]));
    }

    private static float f32(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    private static long bits(float f) {
        return Float.floatToRawIntBits(f) & 0xffffffffL;
    }

    private static double f64(long bits) {
        return Double.longBitsToDouble(bits);
    }

    private static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }

    // ---- faults ----------------------------------------------------------------------------------

    private PtxVmException fault(int t, int code, String problem) {
        Insn in = this.code[pc[t]];
        int tx = t % bx, ty = (t / bx) % by, tz = t / (bx * by);
        return new PtxVmException(code, "kernel " + k.name + ", line " + in.line + " (" + in.text + "): " + problem + "; thread tid ("
                + tx + "," + ty + "," + tz + ") in block ctaid (" + cx + "," + cy + "," + cz + ")");
    }

    // ---- memory ----------------------------------------------------------------------------------

    /** The address an [operand] names: register or variable, plus offset. */
    private long address(int t, Insn in, Opd a) {
        long base = a.reg >= 0 ? regs[t * nregs + a.reg] : a.sym != null ? a.sym.offset : 0;
        return base + a.imm;
    }

    private Space resolve(Insn in, long[] addr) {
        Space s = in.space;
        if (s == Space.GENERIC) {
            long a = addr[0];
            if ((a & ~WINDOW_MASK) == SHARED_WINDOW) {
                addr[0] = a & WINDOW_MASK;
                return Space.SHARED;
            }
            if ((a & ~WINDOW_MASK) == LOCAL_WINDOW) {
                addr[0] = a & WINDOW_MASK;
                return Space.LOCAL;
            }
            return Space.GLOBAL;
        }
        return s == Space.CONST ? Space.GLOBAL : s;
    }

    private final long[] addrBox = new long[1];

    /** Checks an access of {@code bytes} at the thread's address; returns the segment to use and sets addrBox. */
    private MemorySegment check(int t, Insn in, long address, int bytes, boolean write) {
        addrBox[0] = address;
        Space s = resolve(in, addrBox);
        long a = addrBox[0];
        if (Long.remainderUnsigned(address, bytes) != 0) {
            throw fault(t, KernelRunnerException.CUDA_ERROR_MISALIGNED_ADDRESS, "misaligned " + bytes + "-byte "
                    + (write ? "store" : "load") + " at 0x" + Long.toHexString(address) + " (" + s.name().toLowerCase() + ")");
        }
        switch (s) {
            case GLOBAL -> {
                if (!global.contains(a, bytes)) throw outOfBounds(t, s, address, bytes, write, "no live allocation holds it");
                globalBytes += bytes;
                addrBox[0] = a;
                return ALL;
            }
            case SHARED -> {
                if (a < 0 || a + bytes > sharedSize) {
                    throw outOfBounds(t, s, address, bytes, write, "the CTA has " + sharedSize + " bytes of shared memory");
                }
                sharedBytes += bytes;
                return shared;
            }
            case LOCAL -> {
                if (a < 0 || a + bytes > k.localBytes) {
                    throw outOfBounds(t, s, address, bytes, write, "each thread has " + k.localBytes + " bytes of local memory");
                }
                localBytes += bytes;
                addrBox[0] = a + (long) t * k.localBytes;
                return local;
            }
            case PARAM -> {
                if (write) throw fault(t, KernelRunnerException.CUDA_ERROR_INVALID_VALUE, "kernel parameters are read-only");
                if (a < 0 || a + bytes > params.byteSize()) {
                    throw outOfBounds(t, s, address, bytes, false, "the parameters take " + params.byteSize() + " bytes");
                }
                paramBytes += bytes;
                return params;
            }
            default -> throw fault(t, KernelRunnerException.CUDA_ERROR_INVALID_VALUE, "unsupported state space " + s);
        }
    }

    private PtxVmException outOfBounds(int t, Space s, long address, int bytes, boolean write, String why) {
        return fault(t, KernelRunnerException.CUDA_ERROR_ILLEGAL_ADDRESS, "out of bounds " + bytes + "-byte "
                + (write ? "store" : "load") + " at 0x" + Long.toHexString(address) + " in " + s.name().toLowerCase() + " memory ("
                + why + ")");
    }

    private static long read(MemorySegment m, long a, int bytes) {
        return switch (bytes) {
            case 1 -> m.get(B, a) & 0xffL;
            case 2 -> m.get(S, a) & 0xffffL;
            case 4 -> m.get(I, a) & 0xffffffffL;
            default -> m.get(L, a);
        };
    }

    static void write(MemorySegment m, long a, int bytes, long v) {
        switch (bytes) {
            case 1 -> m.set(B, a, (byte) v);
            case 2 -> m.set(S, a, (short) v);
            case 4 -> m.set(I, a, (int) v);
            default -> m.set(L, a, v);
        }
    }

    private void load(int t, Insn in) {
        int size = in.type.bytes();
        long address = address(t, in, in.ops[1]);
        Opd d = in.ops[0];
        MemorySegment m = check(t, in, address, size * in.vec, false);
        long a = addrBox[0];
        if (in.vec == 1) set(t, d, in.type, read(m, a, size));
        else for (int i = 0; i < in.vec; i++) set(t, d.elems[i], in.type, read(m, a + (long) i * size, size));
    }

    private static long mask(int bits) {
        return bits >= 64 ? -1L : (1L << bits) - 1;
    }

    private void store(int t, Insn in) {
        int size = in.type.bytes();
        long address = address(t, in, in.ops[0]);
        Opd v = in.ops[1];
        MemorySegment m = check(t, in, address, size * in.vec, true);
        long a = addrBox[0];
        if (in.vec == 1) {
            write(m, a, size, value(t, v));
        } else {
            for (int i = 0; i < in.vec; i++) write(m, a + (long) i * size, size, v.elems[i].kind == Opd.SINK ? 0 : value(t, v.elems[i]));
        }
    }

    private void atomic(int t, Insn in) {
        boolean red = in.op == Op.RED;
        Opd addrOpd = in.ops[red ? 0 : 1];
        int size = in.type.bytes();
        long address = address(t, in, addrOpd);
        MemorySegment m = check(t, in, address, size, true);
        long a = addrBox[0];
        PtxType ty = in.type;
        long old = read(m, a, size);
        long b = value(t, in.ops[red ? 1 : 2]);
        long nv = switch (in.mode) {
            case "add" -> switch (ty) {
                case F32 -> bits(f32(old) + f32(b));
                case F64 -> bits(f64(old) + f64(b));
                default -> old + b;
            };
            case "min", "max" -> {
                boolean min = in.mode.equals("min");
                if (ty == PtxType.F32) yield bits(min ? Math.min(f32(old), f32(b)) : Math.max(f32(old), f32(b)));
                if (ty == PtxType.F64) yield bits(min ? Math.min(f64(old), f64(b)) : Math.max(f64(old), f64(b)));
                long x = ty.norm(old), y = ty.norm(b);
                int c = ty.isSigned() ? Long.compare(x, y) : Long.compareUnsigned(x, y);
                yield (min ? c <= 0 : c >= 0) ? old : b;
            }
            case "exch" -> b;
            case "cas" -> ty.norm(old) == ty.norm(b) ? value(t, in.ops[3]) : old;
            case "and" -> old & b;
            case "or" -> old | b;
            case "xor" -> old ^ b;
            case "inc" -> Long.compareUnsigned(old & mask(ty.bits), b & mask(ty.bits)) >= 0 ? 0 : old + 1;
            case "dec" -> (old & mask(ty.bits)) == 0 || Long.compareUnsigned(old & mask(ty.bits), b & mask(ty.bits)) > 0 ? b : old - 1;
            default -> throw fault(t, KernelRunnerException.CUDA_ERROR_NOT_SUPPORTED, "atomic ." + in.mode);
        };
        write(m, a, size, nv);
        if (!red) set(t, in.ops[0], ty, old);
    }

    // ---- execution ---------------------------------------------------------------------------------

    private void execute(int t, Insn in) {
        PtxType ty = in.type;
        Opd[] o = in.ops;
        if (in.cc || in.carryIn) {
            extendedPrecision(t, in);
            return;
        }
        switch (in.op) {
            case LD -> load(t, in);
            case ST -> store(t, in);
            case ATOM, RED -> atomic(t, in);
            case MEMBAR -> { }
            case MOV -> mov(t, in);
            case CVTA -> cvta(t, in);
            case CVT -> set(t, o[0], ty, Arith.cvt(in, value(t, o[1])));
            case SETP -> setp(t, in);
            case SELP -> set(t, o[0], ty, predicate(t, o[3]) ? value(t, o[1]) : value(t, o[2]));
            case TESTP -> set(t, o[0], PtxType.PRED, Arith.testp(in, value(t, o[1])) ? 1 : 0);
            case MAD, FMA -> set(t, o[0], in.wide ? wider(ty) : ty, Arith.ternary(in, value(t, o[1]), value(t, o[2]), value(t, o[3])));
            case BFE -> set(t, o[0], ty, Arith.bfe(ty, value(t, o[1]), value(t, o[2]), value(t, o[3])));
            case BFI -> set(t, o[0], ty, Arith.bfi(ty, value(t, o[1]), value(t, o[2]), value(t, o[3]), value(t, o[4])));
            case PRMT -> set(t, o[0], ty, Arith.prmt(value(t, o[1]), value(t, o[2]), value(t, o[3])));
            case ABS, NEG, NOT, CNOT, POPC, CLZ, BREV, BFIND, RCP, SQRT, RSQRT, EX2, LG2, SIN, COS, TANH -> {
                PtxType dt = in.op == Op.POPC || in.op == Op.CLZ || in.op == Op.BFIND ? PtxType.U32 : ty;
                set(t, o[0], dt, Arith.unary(in, value(t, o[1])));
            }
            default -> set(t, o[0], in.wide ? wider(ty) : ty, Arith.binary(in, value(t, o[1]), value(t, o[2])));
        }
    }

    /**
     * add.cc, addc, sub.cc, subc, mad.cc, madc (PTX ISA 9.7.2): unsigned arithmetic on the type's width
     * with the thread's carry flag CC.CF; for subtraction CC.CF holds the borrow. Signed and unsigned
     * types behave the same.
     */
    private void extendedPrecision(int t, Insn in) {
        PtxType ty = in.type;
        Opd[] o = in.ops;
        long m = mask(ty.bits);
        boolean sub = in.op == Op.SUB;
        long cin = in.carryIn && carry[t] ? 1 : 0;
        long x, y;
        if (in.op == Op.MAD) { // the .lo or .hi half of a * b, plus c
            x = Arith.multiply(in, ty, ty.norm(value(t, o[1])), ty.norm(value(t, o[2]))) & m;
            y = value(t, o[3]) & m;
        } else {
            x = value(t, o[1]) & m;
            y = (sub ? ~value(t, o[2]) : value(t, o[2])) & m;
        }
        long c = sub ? 1 - cin : cin; // a - (b + borrow) = a + ~b + (1 - borrow): the borrow is the carry's complement
        long sum = x + y + c;
        boolean carryOut = ty.bits == 64 ? Long.compareUnsigned(sum, x) < 0 || (c == 1 && sum == x) : (sum >>> ty.bits) != 0;
        if (in.cc) carry[t] = carryOut != sub;
        set(t, o[0], ty, sum);
    }

    private static PtxType wider(PtxType t) {
        return switch (t) {
            case S16 -> PtxType.S32;
            case U16 -> PtxType.U32;
            case S32 -> PtxType.S64;
            default -> PtxType.U64;
        };
    }

    private void mov(int t, Insn in) {
        Opd d = in.ops[0], s = in.ops[1];
        PtxType ty = in.type;
        if (s.kind == Opd.VEC) { // pack: first element in the low bits
            int part = ty.bits / s.elems.length;
            long v = 0;
            for (int i = 0; i < s.elems.length; i++) v |= (value(t, s.elems[i]) & mask(part)) << (i * part);
            set(t, d, ty, v);
        } else if (d.kind == Opd.VEC) { // unpack
            int part = ty.bits / d.elems.length;
            long v = value(t, s);
            for (Opd e : d.elems) {
                if (e.kind == Opd.REG) regs[t * nregs + e.reg] = v & mask(part);
                v >>>= part;
            }
        } else {
            set(t, d, ty, value(t, s));
        }
    }

    private void cvta(int t, Insn in) {
        long v = value(t, in.ops[1]);
        boolean to = "to".equals(in.mode);
        long r = switch (in.space) {
            case GLOBAL, CONST, PARAM -> v;
            case SHARED -> to ? checkWindow(t, v, SHARED_WINDOW, "shared") : SHARED_WINDOW | (v & WINDOW_MASK);
            case LOCAL -> to ? checkWindow(t, v, LOCAL_WINDOW, "local") : LOCAL_WINDOW | (v & WINDOW_MASK);
            default -> throw fault(t, KernelRunnerException.CUDA_ERROR_INVALID_VALUE, "cvta needs a state space");
        };
        set(t, in.ops[0], in.type, r);
    }

    private long checkWindow(int t, long generic, long window, String space) {
        if ((generic & ~WINDOW_MASK) != window) {
            throw fault(t, KernelRunnerException.CUDA_ERROR_ILLEGAL_ADDRESS, "cvta.to." + space + " of 0x" + Long.toHexString(generic)
                    + ", which is not a generic " + space + " address");
        }
        return generic & WINDOW_MASK;
    }

    private void setp(int t, Insn in) {
        Opd[] o = in.ops;
        boolean r = Arith.compare(in.mode, in.type, value(t, o[1]), value(t, o[2]), in.ftz);
        boolean p = r, q = !r;
        if (in.boolOp != null) {
            boolean c = predicate(t, o[3]);
            switch (in.boolOp) {
                case "and" -> { p = r & c; q = !r & c; }
                case "or" -> { p = r | c; q = !r | c; }
                default -> { p = r ^ c; q = !r ^ c; }
            }
        }
        Opd d = o[0]; // a register, '_', or a pair p|q of which either may be '_'
        if (d.reg >= 0) regs[t * nregs + d.reg] = p ? 1 : 0;
        if (d.reg2 >= 0) regs[t * nregs + d.reg2] = q ? 1 : 0;
    }
}
