package dev.hyperweave.ptxvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code ./hyperweave ptx run}: counters on success, the VM's error and a non-zero exit otherwise. */
class PtxRunCommandTest {
    static final String FILE = "src/test/resources/kernels/test_kernels.ptx";

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = PtxRunCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void aKernelThatRunsToItsEndPrintsItsCounters() {
        Run r = run("run", FILE, "matmul_tiled", "--grid", "2,3", "--block", "16,16", "buf:6660", "buf:5220", "zeros:4292",
                "i32:37", "i32:29", "i32:45");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("test_kernels.ptx: matmul_tiled, grid 2,3,1, block 16,16,1: ran to the end"), r.out());
        assertTrue(r.out().matches("(?s).*instructions \\d+ \\(memory \\d+, arithmetic \\d+, special 0, control \\d+, sync [1-9]\\d*\\).*"),
                r.out());
    }

    @Test
    void aFaultingKernelPrintsTheErrorAndExits1() {
        Run r = run("run", FILE, "matmul_tiled", "--grid", "2,3", "--block", "16,16", "buf:4096", "buf:5220", "zeros:4292",
                "i32:37", "i32:29", "i32:45");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("ptx run: kernel matmul_tiled, line ") && r.err().contains("out of bounds"), r.err());
    }

    @Test
    void badInputIsNamed() {
        assertEquals(1, run("run", FILE, "nope").code());
        Run grid = run("run", FILE, "warp_sum", "--grid", "0", "buf:64", "zeros:4", "i32:16");
        assertEquals(2, grid.code());
        assertTrue(grid.err().contains("--grid: extents must be at least 1"), grid.err());
        Run arg = run("run", FILE, "warp_sum", "buf:64", "zeros:4");
        assertEquals(2, arg.code());
        assertTrue(arg.err().contains("takes 3 parameters, got 2"), arg.err());
        Run kind = run("run", FILE, "warp_sum", "buf:64", "zeros:4", "int:3");
        assertEquals(2, kind.code());
        assertTrue(kind.err().contains("unknown kind int"), kind.err());
        Run missing = run("run", "no/such.ptx", "k");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("cannot read no/such.ptx"), missing.err());
    }
}
