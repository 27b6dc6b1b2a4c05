package dev.hyperweave.ptxvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A loaded PTX module: its kernels, decoded, and its module-scope variables. */
final class PtxModule implements AutoCloseable {

    /** A named variable: a kernel parameter, a shared/local array, or a module-scope global. */
    static final class Symbol {
        final String name;
        final Insn.Space space;
        final long size;
        final int align;
        long offset; // param: byte offset in the parameter buffer; shared/local: offset in the window; global: address

        Symbol(String name, Insn.Space space, long size, int align) {
            this.name = name;
            this.space = space;
            this.size = size;
            this.align = align;
        }
    }

    /** One .entry: its parameters, registers, variables and instructions. */
    static final class Kernel {
        final String name;
        final List<Symbol> params;
        final int paramBytes;
        final int registers;
        final int[] registerBits;  // each register's declared width: narrow results widen into it (sign- or zero-extended)
        final Insn[] code;
        final long staticShared;   // bytes of .shared declared in the kernel and the module
        final long localBytes;     // per thread
        final boolean dynamicShared;

        Kernel(String name, List<Symbol> params, int paramBytes, int[] registerBits, Insn[] code, long staticShared,
               long localBytes, boolean dynamicShared) {
            this.name = name;
            this.params = params;
            this.paramBytes = paramBytes;
            this.registers = registerBits.length;
            this.registerBits = registerBits;
            this.code = code;
            this.staticShared = staticShared;
            this.localBytes = localBytes;
            this.dynamicShared = dynamicShared;
        }
    }

    final Map<String, Kernel> kernels = new LinkedHashMap<>();
    final Arena globals = Arena.ofShared();
    /** Module-scope .global variables: [address, size] pairs, live as long as the module. */
    final Map<String, MemorySegment> globalVars = new LinkedHashMap<>();

    @Override
    public void close() {
        globals.close();
    }
}
