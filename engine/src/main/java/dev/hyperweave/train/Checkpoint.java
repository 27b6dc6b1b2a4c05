package dev.hyperweave.train;

import dev.hyperweave.tensor.Shape;
import dev.hyperweave.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A session's checkpoint file, little-endian:
 * <pre>
 *   0  8 bytes   "HWCKPT", 0, 1 (format version 1)
 *   8  int32     bytes per value: 4 (F32) or 8 (F64)
 *  12  int32     optimiser: 0 Adam, 1 SGD
 *  16  int32     optimiser state arrays per parameter: 0, 1 (SGD momentum) or 2 (Adam's m and v)
 *  20  int32     parameter count
 *  24  int64     optimiser steps taken
 *  32  per parameter: int32 name length, the name in UTF-8, int32 rank, int32 dims..., then the
 *      values, then each state array, each numel values, row-major
 * </pre>
 */
final class Checkpoint {
    private static final byte[] MAGIC = {'H', 'W', 'C', 'K', 'P', 'T', 0, 1};
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int HEADER = 32;

    private Checkpoint() {}

    static void save(Session s, Path file) {
        Tensor[] states = s.optimizerStates();
        int valueBytes = s.flatParameters().dtype().byteSize();
        List<String> names = s.parameterNames();
        long size = HEADER;
        for (String name : names) {
            Tensor p = s.parameter(name);
            size += 8 + name.getBytes(StandardCharsets.UTF_8).length + 4L * p.rank() + (1 + states.length) * p.numel() * valueBytes;
        }
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            MemorySegment out = arena.allocate(size);
            MemorySegment.copy(MemorySegment.ofArray(MAGIC), 0, out, 0, MAGIC.length);
            out.set(INT, 8, valueBytes);
            out.set(INT, 12, s.optimizer() instanceof Optimizer.Adam ? 0 : 1);
            out.set(INT, 16, states.length);
            out.set(INT, 20, names.size());
            out.set(LONG, 24, s.steps());
            long at = HEADER;
            for (String name : names) {
                Tensor p = s.parameter(name);
                byte[] n = name.getBytes(StandardCharsets.UTF_8);
                out.set(INT, at, n.length);
                MemorySegment.copy(MemorySegment.ofArray(n), 0, out, at + 4, n.length);
                at += 4 + n.length;
                out.set(INT, at, p.rank());
                for (int d = 0; d < p.rank(); d++) out.set(INT, at + 4 + 4L * d, p.dim(d));
                at += 4 + 4L * p.rank();
                long bytes = p.numel() * valueBytes;
                s.backend().read(p, out.asSlice(at, bytes));
                at += bytes;
                for (Tensor state : states) {
                    s.backend().read(slice(s, state, name, p), out.asSlice(at, bytes));
                    at += bytes;
                }
            }
            ch.write(out.asByteBuffer());
        } catch (IOException e) {
            throw new UncheckedIOException("writing checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /** One parameter's record in a file being loaded. */
    private record Entry(String name, int[] shape, long values) {}

    static void load(Session s, Path file) {
        Tensor[] states = s.optimizerStates();
        int valueBytes = s.flatParameters().dtype().byteSize();
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment in = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            Reader r = new Reader(file, in);
            r.need(0, HEADER, "the header");
            for (int i = 0; i < MAGIC.length; i++) {
                if (in.get(ValueLayout.JAVA_BYTE, i) != MAGIC[i]) throw new InputException(file, i, "not a Hyperweave checkpoint (format 1)");
            }
            r.expect(8, valueBytes, "bytes per value (this session computes in " + s.flatParameters().dtype() + ")");
            r.expect(12, s.optimizer() instanceof Optimizer.Adam ? 0 : 1, "optimiser (0 Adam, 1 SGD) of this session");
            r.expect(16, states.length, "optimiser state arrays per parameter of this session");
            int count = in.get(INT, 20);
            long steps = in.get(LONG, 24);
            if (steps < 0) throw new InputException(file, 24, "negative step count " + steps);
            List<Entry> entries = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            long at = HEADER;
            for (int k = 0; k < count; k++) {
                long start = at;
                int len = r.count(at, "name length");
                r.need(at + 4, len, "a parameter name");
                String name = new String(in.asSlice(at + 4, len).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                at += 4 + len;
                int rank = r.count(at, "rank of '" + name + "'");
                r.need(at + 4, 4L * rank, "the shape of '" + name + "'");
                int[] shape = new int[rank];
                for (int d = 0; d < rank; d++) shape[d] = in.get(INT, at + 4 + 4L * d);
                at += 4 + 4L * rank;
                if (!s.parameterNames().contains(name)) {
                    throw new InputException(file, start, "parameter '" + name + "' is not in this session (its parameters: " + s.parameterNames() + ")");
                }
                int[] want = s.parameter(name).shape();
                if (!Arrays.equals(want, shape)) {
                    throw new InputException(file, start, "parameter '" + name + "' has shape " + Shape.str(shape) + " in the file, "
                            + Shape.str(want) + " in this session");
                }
                if (!seen.add(name)) throw new InputException(file, start, "parameter '" + name + "' appears twice");
                long bytes = (1 + states.length) * Shape.numel(shape) * valueBytes;
                r.need(at, bytes, "the values of '" + name + "'");
                entries.add(new Entry(name, shape, at));
                at += bytes;
            }
            if (at != in.byteSize()) throw new InputException(file, at, (in.byteSize() - at) + " bytes after the last parameter");
            for (String name : s.parameterNames()) {
                if (!seen.contains(name)) throw new InputException(file, at, "parameter '" + name + "' of this session is missing");
            }
            // Everything checked: now write.
            for (Entry e : entries) {
                Tensor p = s.parameter(e.name());
                long bytes = p.numel() * valueBytes;
                s.backend().write(p, in.asSlice(e.values(), bytes));
                for (int i = 0; i < states.length; i++) {
                    s.backend().write(slice(s, states[i], e.name(), p), in.asSlice(e.values() + (i + 1) * bytes, bytes));
                }
            }
            s.restoreSteps(steps);
        } catch (NoSuchFileException e) {
            throw new InputException(file, 0, "no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("reading checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /** The part of a flat optimiser state buffer that belongs to parameter {@code name}. */
    private static Tensor slice(Session s, Tensor state, String name, Tensor p) {
        return state.slice(0, (int) s.offsetOf(name), Math.toIntExact(p.numel()));
    }

    /** Bounds-checked reads that name the file and offset. */
    private record Reader(Path file, MemorySegment in) {
        void need(long at, long bytes, String what) {
            if (bytes < 0 || at + bytes > in.byteSize()) {
                throw new InputException(file, at, "the file ends at byte " + in.byteSize() + ", before " + what + " (" + bytes + " bytes)");
            }
        }

        int count(long at, String what) {
            need(at, 4, what);
            int v = in.get(INT, at);
            if (v < 0) throw new InputException(file, at, "negative " + what + ": " + v);
            return v;
        }

        void expect(long at, int want, String what) {
            int got = in.get(INT, at);
            if (got != want) throw new InputException(file, at, "the file has " + got + " for the " + what + ", which needs " + want);
        }
    }
}
