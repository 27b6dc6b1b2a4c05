package dev.hyperweave.ptxvm.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.ptxvm.PtxVm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * atom and red (PTX ISA 9.7.13.5, 9.7.13.6) on global and shared memory with every thread of the launch
 * hitting the same address per operation. The ISA defines atom as {d = *a; *a = op(*a, b)} performed
 * atomically, so the old values must chain: some order of the threads takes the initial value through
 * op(old, b) to the final one. That is checked as the multiset identity
 * {olds} + {final} == {op(old, b) per thread} + {initial}, plus the final value and, where it is fixed,
 * the exact multiset of old values.
 */
class AtomicTest {
    private final Vm t = new Vm();

    @AfterEach
    void close() {
        t.close();
    }

    static final int THREADS = 256;

    /** One atomic: PTX type and operation, 64-bit?, the initial value, each thread's operand, and op(old, b). */
    record Op(String op, String type, boolean wide, long init, long[] b, LongBinaryOperator f) {
        boolean isRed() {
            return op.startsWith("red.");
        }

        boolean isFloat() {
            return type.startsWith("f");
        }
    }

    static long[] operands(java.util.function.IntToLongFunction g) {
        long[] b = new long[THREADS];
        for (int i = 0; i < THREADS; i++) b[i] = g.applyAsLong(i);
        return b;
    }

    static long fbits(float f) {
        return Float.floatToRawIntBits(f) & 0xffffffffL;
    }

    static float fl(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    static long u32(long v) {
        return v & 0xffffffffL;
    }

    static List<Op> ops() {
        Random r = new Random(606);
        long[] small = operands(i -> u32(r.nextInt(2001) - 1000));
        long[] any = operands(i -> u32(r.nextInt()));
        long[] quarters = operands(i -> fbits((r.nextInt(81) - 40) / 4f));   // sums stay exact in f32
        long[] eighths = operands(i -> Double.doubleToRawLongBits((r.nextInt(161) - 80) / 8.0));
        long[] wide = operands(i -> ((long) i << 33) + 1);
        long[] s64 = operands(i -> r.nextLong() >> 8);
        List<Op> l = new ArrayList<>();
        l.add(new Op("atom.add", "u32", false, 0, operands(i -> 1), (o, b) -> u32(o + b)));                 // 256 x +1
        l.add(new Op("atom.add", "s32", false, u32(-5000), small, (o, b) -> u32(o + b)));
        l.add(new Op("atom.add", "f32", false, fbits(0.5f), quarters, (o, b) -> fbits(fl(o) + fl(b))));
        l.add(new Op("atom.min", "s32", false, u32(300), small, (o, b) -> u32(Math.min((int) o, (int) b))));
        l.add(new Op("atom.max", "s32", false, u32(-3000), small, (o, b) -> u32(Math.max((int) o, (int) b))));
        l.add(new Op("atom.min", "u32", false, 0xffffffffL, any, (o, b) -> Long.min(o, b)));
        l.add(new Op("atom.max", "u32", false, 7, any, (o, b) -> Long.max(o, b)));
        l.add(new Op("atom.exch", "b32", false, 0x1234, operands(i -> 3L * i + 1), (o, b) -> b));
        l.add(new Op("atom.and", "b32", false, 0xffffffffL, operands(i -> u32(~(1 << (i % 32)))), (o, b) -> o & b));
        l.add(new Op("atom.or", "b32", false, 0, operands(i -> 1L << (i % 32)), (o, b) -> o | b));
        l.add(new Op("atom.xor", "b32", false, 0x5a5a5a5aL, any, (o, b) -> o ^ b));
        l.add(new Op("atom.inc", "u32", false, 0, operands(i -> 99), (o, b) -> o >= b ? 0 : o + 1));        // wraps at 99 -> 0
        l.add(new Op("atom.dec", "u32", false, 5, operands(i -> 99), (o, b) -> o == 0 || o > b ? b : o - 1));  // 0 -> 99
        l.add(new Op("atom.inc", "u32", false, 150, operands(i -> 99), (o, b) -> o >= b ? 0 : o + 1));      // starts above b
        l.add(new Op("atom.dec", "u32", false, 150, operands(i -> 99), (o, b) -> o == 0 || o > b ? b : o - 1));
        l.add(new Op("atom.add", "u64", true, 1L << 40, wide, Long::sum));
        l.add(new Op("atom.min", "s64", true, 0, s64, Math::min));
        l.add(new Op("atom.add", "f64", true, Double.doubleToRawLongBits(-1.0), eighths,
                (o, b) -> Double.doubleToRawLongBits(Double.longBitsToDouble(o) + Double.longBitsToDouble(b))));
        l.add(new Op("red.add", "u32", false, 10, operands(i -> 2), (o, b) -> u32(o + b)));
        l.add(new Op("red.max", "s32", false, u32(-2000), small, (o, b) -> u32(Math.max((int) o, (int) b))));
        return l;
    }

    /**
     * k(out, in, mem[, init]): thread g applies op k with operand in[g*nops + k] to slot k (8 bytes) of the
     * space's memory and stores the old value to out[g*nops + k]. For shared memory, thread 0 first copies
     * init[] into the slots and, after a barrier, everyone's done, copies the final values to mem[].
     */
    static String kernel(List<Op> ops, String space) {
        boolean shared = space.equals("shared");
        StringBuilder b = new StringBuilder("""
                .version 9.0
                .target sm_80
                .address_size 64

                .visible .entry k(.param .u64 out, .param .u64 in, .param .u64 mem)
                {
                    .reg .pred %p<4>;
                    .reg .b32 %r<40>;
                    .reg .b64 %rd<40>;
                    .reg .f32 %f<8>;
                    .reg .f64 %fd<8>;
                """);
        if (shared) b.append("    .shared .align 8 .b8 slots[").append(8 * ops.size()).append("];\n");
        b.append("""
                    ld.param.u64 %rd1, [out];
                    ld.param.u64 %rd2, [in];
                    ld.param.u64 %rd3, [mem];
                    cvta.to.global.u64 %rd4, %rd1;
                    cvta.to.global.u64 %rd5, %rd2;
                    cvta.to.global.u64 %rd6, %rd3;
                    mov.u32 %r1, %tid.x;
                    mov.u32 %r2, %ctaid.x;
                    mov.u32 %r3, %ntid.x;
                    mad.lo.u32 %r4, %r2, %r3, %r1;
                """);
        b.append("    mul.wide.u32 %rd7, %r4, ").append(8 * ops.size()).append(";\n");
        b.append("    add.s64 %rd8, %rd5, %rd7;   // my operands\n    add.s64 %rd9, %rd4, %rd7;   // my old values\n");
        String base;
        if (shared) {
            base = "%rd10";
            b.append("    mov.u64 %rd10, slots;\n    setp.ne.u32 %p1, %r1, 0;\n    @%p1 bra INIT_DONE;\n");
            for (int k = 0; k < ops.size(); k++) {
                b.append("    ld.global.u64 %rd11, [%rd6+").append(8 * k).append("];\n    st.shared.u64 [%rd10+").append(8 * k).append("], %rd11;\n");
            }
            b.append("INIT_DONE:\n    bar.sync 0;\n");
        } else {
            base = "%rd6";
        }
        for (int k = 0; k < ops.size(); k++) {
            Op o = ops.get(k);
            String addr = "[" + base + "+" + 8 * k + "]";
            b.append("    ld.global.u64 %rd20, [%rd8+").append(8 * k).append("];\n");
            String operand, old;
            if (o.wide) {
                operand = o.type.equals("f64") ? "%fd1" : "%rd20";
                if (o.type.equals("f64")) b.append("    mov.b64 %fd1, %rd20;\n");
                old = o.type.equals("f64") ? "%fd2" : "%rd21";
            } else {
                b.append("    cvt.u32.u64 %r20, %rd20;\n");
                operand = o.isFloat() ? "%f1" : "%r20";
                if (o.isFloat()) b.append("    mov.b32 %f1, %r20;\n");
                old = o.isFloat() ? "%f2" : "%r21";
            }
            String[] parts = o.op.split("\\.");
            if (o.isRed()) {
                b.append("    red.").append(space).append('.').append(parts[1]).append('.').append(o.type).append(' ').append(addr).append(", ")
                        .append(operand).append(";\n    mov.u64 %rd22, 0;\n");
            } else {
                b.append("    atom.").append(space).append('.').append(parts[1]).append('.').append(o.type).append(' ').append(old).append(", ")
                        .append(addr).append(", ").append(operand).append(";\n");
                if (o.wide) {
                    b.append(o.type.equals("f64") ? "    mov.b64 %rd22, %fd2;\n" : "    mov.b64 %rd22, %rd21;\n");
                } else {
                    if (o.isFloat()) b.append("    mov.b32 %r21, %f2;\n");
                    b.append("    cvt.u64.u32 %rd22, %r21;\n");
                }
            }
            b.append("    st.global.u64 [%rd9+").append(8 * k).append("], %rd22;\n");
        }
        if (shared) {
            b.append("    bar.sync 0;\n    @%p1 bra END;\n");
            for (int k = 0; k < ops.size(); k++) {
                b.append("    ld.shared.u64 %rd11, [%rd10+").append(8 * k).append("];\n    st.global.u64 [%rd6+").append(8 * k).append("], %rd11;\n");
            }
            b.append("END:\n");
        }
        b.append("    ret;\n}\n");
        return b.toString();
    }

    void runAndCheck(String space, int[] grid, int[] block) {
        List<Op> ops = ops();
        int nops = ops.size();
        long[] in = new long[THREADS * nops];
        long[] init = new long[nops];
        for (int k = 0; k < nops; k++) {
            init[k] = ops.get(k).init;
            for (int g = 0; g < THREADS; g++) in[g * nops + k] = ops.get(k).b[g];
        }
        PtxVm.Buffer mem = t.longs(init);
        PtxVm.Buffer out = t.out(8L * THREADS * nops);
        t.run(kernel(ops, space), grid, block, out, t.longs(in), mem);
        long[] olds = Vm.longs(out, THREADS * nops);
        long[] fin = Vm.longs(mem, nops);
        StringBuilder failures = new StringBuilder();
        for (int k = 0; k < nops; k++) {
            Op o = ops.get(k);
            String name = (o.isRed() ? "red." : "atom.") + space + "." + o.op.split("\\.")[1] + "." + o.type;
            long mask = o.wide ? -1L : 0xffffffffL;
            long finalValue = fin[k] & mask;
            long[] old = new long[THREADS];
            for (int g = 0; g < THREADS; g++) old[g] = olds[g * nops + k];
            // the final value: every operation applied once (commutative ops: any order gives the same result)
            long want = o.init;
            for (int g = 0; g < THREADS; g++) want = o.f.applyAsLong(want, o.b[g]) & mask;
            boolean orderFree = !o.op.equals("atom.exch");
            if (orderFree && finalValue != want) {
                failures.append("\n  ").append(name).append(": final ").append(Vm.hex(finalValue)).append(", expected ").append(Vm.hex(want));
            }
            if (o.isRed()) continue;
            // the chain of old values
            long[] lhs = new long[THREADS + 1], rhs = new long[THREADS + 1];
            for (int g = 0; g < THREADS; g++) {
                lhs[g] = old[g];
                rhs[g] = o.f.applyAsLong(old[g], o.b[g]) & mask;
            }
            lhs[THREADS] = finalValue;
            rhs[THREADS] = o.init;
            Arrays.sort(lhs);
            Arrays.sort(rhs);
            if (!Arrays.equals(lhs, rhs)) {
                failures.append("\n  ").append(name).append(": old values do not form a serial order of the operations (first olds ")
                        .append(Arrays.toString(Arrays.copyOf(old, 6))).append(", final ").append(Vm.hex(finalValue)).append(")");
            }
            if (o.op.equals("atom.exch") && Arrays.stream(o.b).noneMatch(v -> v == finalValue)) {
                failures.append("\n  ").append(name).append(": final value is not any thread's operand");
            }
        }
        assertTrue(failures.isEmpty(), "atomics on " + space + " memory:" + failures);

        // exact old-value multisets where the ISA fixes them
        long[] add1 = column(olds, nops, 0);
        Arrays.sort(add1);
        long[] perm = new long[THREADS];
        Arrays.setAll(perm, i -> i);
        assertArrayEquals(perm, add1, "256 threads atom.add 1: the old values are 0..255, each once");
        long[] inc = column(olds, nops, 11);
        Arrays.sort(inc);
        long[] incWant = new long[THREADS];
        for (int i = 0; i < THREADS; i++) incWant[i] = i % 100;
        Arrays.sort(incWant);
        assertArrayEquals(incWant, inc, "atom.inc with b = 99 from 0: olds 0..99, 0..99, 0..55");
        assertEquals(256 % 100, fin[11], "inc wraps to 0 after reaching 99");
        assertEquals(Math.floorMod(5 - 256, 100), fin[12], "dec wraps from 0 to 99");
        assertEquals(255 % 100, fin[13], "inc of a value above b gives 0 first");
        assertEquals(Math.floorMod(99 - 255, 100), fin[14], "dec of a value above b gives b first");
    }

    static long[] column(long[] olds, int nops, int k) {
        long[] c = new long[THREADS];
        for (int g = 0; g < THREADS; g++) c[g] = olds[g * nops + k];
        return c;
    }

    @Test
    void globalAtomicsUnderContentionFromFourBlocks() {
        runAndCheck("global", new int[] {4, 1, 1}, new int[] {64, 1, 1});
    }

    @Test
    void sharedAtomicsUnderContentionInOneBlock() {
        runAndCheck("shared", Vm.ONE, new int[] {256, 1, 1});
    }

    @Test
    void casSingleShotHasExactlyOneWinner() {
        // every thread: cas(*a, 77, 1000 + g). One thread sees 77 and wins; all others see the winner's value.
        String ptx = Vm.kernel("", ", .param .u64 mem", """
                    ld.param.u64 %rd3, [mem];
                    cvta.to.global.u64 %rd4, %rd3;
                    mov.u32 %r1, %tid.x;
                    mov.u32 %r2, %ctaid.x;
                    mov.u32 %r3, %ntid.x;
                    mad.lo.u32 %r4, %r2, %r3, %r1;
                    add.u32 %r5, %r4, 1000;
                    atom.global.cas.b32 %r6, [%rd4], 77, %r5;
                    mul.wide.u32 %rd5, %r4, 4;
                    add.s64 %rd6, %rd2, %rd5;
                    st.global.u32 [%rd6], %r6;
                """);
        PtxVm.Buffer mem = t.ints(77);
        PtxVm.Buffer out = t.out(4 * THREADS);
        t.run(ptx, new int[] {4, 1, 1}, new int[] {64, 1, 1}, out, mem);
        int[] old = Vm.ints(out, THREADS);
        int fin = Vm.ints(mem, 1)[0];
        int winners = 0;
        for (int g = 0; g < THREADS; g++) {
            if (old[g] == 77) {
                winners++;
                assertEquals(1000 + g, fin, "the winner's value is what stays");
            } else {
                assertEquals(fin, old[g], "a loser sees the winner's value, thread " + g);
            }
        }
        assertEquals(1, winners);
    }

    @Test
    void casLoopIncrementIsLinearizable() {
        // the classic CAS loop: read, try old -> old + 1 until it succeeds; successful olds are 500..755
        String ptx = Vm.kernel("", ", .param .u64 mem", """
                    ld.param.u64 %rd3, [mem];
                    cvta.to.global.u64 %rd4, %rd3;
                    mov.u32 %r1, %tid.x;
                    mov.u32 %r2, %ctaid.x;
                    mov.u32 %r3, %ntid.x;
                    mad.lo.u32 %r4, %r2, %r3, %r1;
                    ld.volatile.global.u32 %r5, [%rd4];
                RETRY:
                    add.u32 %r6, %r5, 1;
                    atom.global.cas.b32 %r7, [%rd4], %r5, %r6;
                    setp.ne.u32 %p1, %r7, %r5;
                    mov.u32 %r5, %r7;
                    @%p1 bra RETRY;
                    mul.wide.u32 %rd5, %r4, 4;
                    add.s64 %rd6, %rd2, %rd5;
                    st.global.u32 [%rd6], %r5;
                """);
        PtxVm.Buffer mem = t.ints(500);
        PtxVm.Buffer out = t.out(4 * THREADS);
        t.run(ptx, new int[] {4, 1, 1}, new int[] {64, 1, 1}, out, mem);
        int[] old = Vm.ints(out, THREADS);
        Arrays.sort(old);
        for (int i = 0; i < THREADS; i++) assertEquals(500 + i, old[i]);
        assertEquals(500 + THREADS, Vm.ints(mem, 1)[0]);
    }

    @Test
    void atomicsReturnOldValuesAndWorkThroughGenericAddresses() {
        // single thread, exact values: atom on a generic address (no state space) acts on global memory
        int[] r = t.run1(Vm.kernel("", "", """
                    st.global.u32 [%rd2+40], 10;
                    atom.add.u32 %r1, [%rd1+40], 5;          // generic: old 10, now 15
                    atom.global.exch.b32 %r2, [%rd2+40], 3;  // old 15, now 3
                    atom.global.cas.b32 %r3, [%rd2+40], 4, 9;   // compare fails: old 3, stays 3
                    atom.global.cas.b32 %r4, [%rd2+40], 3, 9;   // succeeds: old 3, now 9
                    atom.global.inc.u32 %r5, [%rd2+40], 9;   // 9 >= 9: old 9, now 0
                    atom.global.dec.u32 %r6, [%rd2+40], 4;   // 0: old 0, now 4
                    ld.global.u32 %r7, [%rd2+40];
                    """ + Vm.store32("%r1", "%r2", "%r3", "%r4", "%r5", "%r6", "%r7")), 11);  // word 10 is the scratch word
        assertArrayEquals(new int[] {10, 15, 3, 3, 9, 0, 4}, Arrays.copyOf(r, 7));
    }
}
