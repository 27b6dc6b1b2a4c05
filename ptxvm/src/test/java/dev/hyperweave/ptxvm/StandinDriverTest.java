package dev.hyperweave.ptxvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** Finding and loading the stand-in; its driver behaviour is tested through the device layer (native module). */
class StandinDriverTest {

    @Test
    void bothVariantsAreBuiltBesideEachOther() {
        assertTrue(Files.isRegularFile(StandinDriver.library()), StandinDriver.library().toString());
        assertTrue(Files.isRegularFile(StandinDriver.oldDriverLibrary()), StandinDriver.oldDriverLibrary().toString());
    }

    @Test
    void aMissingLibrarySaysHowToBuildIt() {
        String saved = System.getProperty(StandinDriver.LIBRARY_PROPERTY);
        System.setProperty(StandinDriver.LIBRARY_PROPERTY, "/nonexistent/libcuda.so.1");
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, StandinDriver::library);
            assertTrue(e.getMessage().contains("not built") && e.getMessage().contains("./mvnw -pl ptxvm package"), e.getMessage());
        } finally {
            if (saved == null) System.clearProperty(StandinDriver.LIBRARY_PROPERTY);
            else System.setProperty(StandinDriver.LIBRARY_PROPERTY, saved);
        }
    }

    @Test
    void faultsAndCountersAreReachable() {
        StandinDriver.install();
        StandinDriver.install(); // idempotent
        assertEquals(0, StandinDriver.liveAllocations());
        assertEquals(0, StandinDriver.liveBytes());
        StandinDriver.failNextAllocation();
        StandinDriver.resetFaults();
        assertThrows(IllegalArgumentException.class, () -> StandinDriver.registerRunner(null));
    }
}
