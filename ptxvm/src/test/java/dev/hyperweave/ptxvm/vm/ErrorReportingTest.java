package dev.hyperweave.ptxvm.vm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.ptxvm.PtxVm;
import dev.hyperweave.ptxvm.PtxVmException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the VM says about PTX it cannot load (deliberately invalid PTX, so not checked by ptxas) and about a
 * kernel that faults: the line and the offending text, or the kernel, thread, block and address.
 */
class ErrorReportingTest {
    private final Vm t = new Vm();

    @AfterEach
    void close() {
        t.close();
    }

    void assertLoadError(String ptx, String offending) {
        PtxVmException e = assertThrows(PtxVmException.class, () -> t.vm.run(ptx, "k", Vm.ONE, Vm.ONE, t.out(4)));
        String m = e.getMessage();
        int line = Vm.lineOf(ptx, offending);
        assertTrue(m.contains("line " + line), "names line " + line + ": " + m);
        assertTrue(m.contains(offending), "quotes \"" + offending + "\": " + m);
    }

    @Test
    void unknownInstruction() {
        assertLoadError(Vm.kernel("    frobnicate.u32 %r1, %r2;\n"), "frobnicate.u32 %r1, %r2");
    }

    @Test
    void unknownDirective() {
        assertLoadError(Vm.kernel(".bogusdirective 1;\n", "", "    mov.u32 %r1, 1;\n"), ".bogusdirective");
    }

    @Test
    void undefinedRegister() {
        // the kernel declares %r<100>: %r0..%r99
        assertLoadError(Vm.kernel("    add.u32 %r1, %r100, 1;\n"), "%r100");
    }

    @Test
    void undefinedLabel() {
        assertLoadError(Vm.kernel("    bra NOWHERE;\n"), "NOWHERE");
    }

    @Test
    void aRuntimeFaultNamesTheKernel() {
        String ptx = Vm.kernel("    st.global.u32 [%rd2+4], 1;\n").replace(".entry k(", ".entry faulty_kernel_x(");
        Vm.assertPtxasAccepts(ptx);
        PtxVm.Buffer out = t.out(4);
        PtxVmException e = assertThrows(PtxVmException.class, () -> t.vm.run(ptx, "faulty_kernel_x", Vm.ONE, Vm.ONE, out));
        String m = e.getMessage();
        assertTrue(m.contains("faulty_kernel_x") && m.contains("out of bounds") && m.contains("line " + Vm.lineOf(ptx, "st.global.u32 [%rd2+4]")),
                m);
        Vm.assertNamesAddress(m, out.address() + 4);
    }

    @Test
    void unknownKernelName() {
        String ptx = Vm.kernel("    mov.u32 %r1, 1;\n");
        PtxVmException e = assertThrows(PtxVmException.class, () -> t.vm.run(ptx, "no_such_kernel", Vm.ONE, Vm.ONE, t.out(4)));
        assertTrue(e.getMessage().contains("no_such_kernel"), e.getMessage());
    }
}
