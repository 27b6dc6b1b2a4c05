package dev.hyperweave.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The comparison's parsing, statistics and tables (no process is started). */
class CompareTest {

    @Test
    void parsesTheBenchJsonLineAmidOtherOutput() {
        String out = "WARNING: Using incubator modules: jdk.incubator.vector\n"
                + "{\"workload\":\"hmlp\",\"threads\":2,\"steps_per_s\":37.25,\"gflops\":7.1e1,\"ok\":true,\"none\":null,"
                + "\"list\":[1.5, 2, -3e-1],\"name\":\"a \\\"quoted\\\" word\"}\n";
        Map<String, Object> m = Json.parse(out);
        assertEquals("hmlp", m.get("workload"));
        assertEquals(37.25, ((Number) m.get("steps_per_s")).doubleValue());
        assertEquals(71.0, ((Number) m.get("gflops")).doubleValue());
        assertEquals(Boolean.TRUE, m.get("ok"));
        assertNull(m.get("none"));
        assertEquals(List.of(1.5, 2.0, -0.3), Json.numbers(m.get("list")));
        assertEquals("a \"quoted\" word", m.get("name"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("no json here"));
    }

    @Test
    void numbersKeepEveryDigitForTheChart() {
        // The table prints a ratio of 2.08499... as 2.08x; four decimals ("2.0850") made the chart say 2.09x.
        for (double v : new double[] {2.0849726775956285, 50.87, 1e-5, 123456789.25, -0.3}) {
            assertEquals(v, Double.parseDouble(Json.num(v)), Json.num(v));
            assertEquals(v, ((Number) Json.parse("{\"v\":" + Json.num(v) + "}").get("v")).doubleValue());
        }
        assertEquals("null", Json.num(Double.NaN));
    }

    @Test
    void roundTripsAreReportedAsARange() {
        assertTrue(Compare.roundTripNote(List.of(331.0, 70.4, 90.0)).startsWith("core-to-core round trip 70-331 ns "),
                Compare.roundTripNote(List.of(331.0, 70.4, 90.0)));
        assertTrue(Compare.roundTripNote(List.of(88.0)).startsWith("core-to-core round trip 88 ns "));
    }

    @Test
    void coreToCoreRoundTripIsMeasured() throws InterruptedException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2,
                "one core: the probe's hand-off would wait for the scheduler (see CoreLatency)");
        double ns = CoreLatency.roundTripNanos(2000);
        assertTrue(ns > 1 && ns < 1e6, "round trip " + ns + " ns");
    }

    @Test
    void medianAndRatioAgainstTargets() {
        assertEquals(2.0, Compare.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, Compare.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertTrue(Double.isNaN(Compare.median(List.of())));
        Compare.Row met = new Compare.Row("W1 hmlp", 1, "steps/s", "PyTorch", List.of(30.0, 33.0, 31.0), List.of(10.0, 11.0, 9.0), 3.0);
        assertEquals(3.1, met.ratio(), 1e-12);
        assertTrue(met.meets());
        Compare.Row missed = new Compare.Row("W2 chunked", 2, "steps/s", "PyTorch", List.of(20.0), List.of(10.0), 2.5);
        assertFalse(missed.meets());
        Compare.Row noPeer = new Compare.Row("sgemm 1024x1024x1024", 1, "GFLOP/s", "OpenBLAS", List.of(100.0), List.of(), 0.9);
        assertFalse(noPeer.meets());
        assertEquals(0.9, Compare.gemmTarget("1024x1024x1024"));
        assertEquals(1.2, Compare.gemmTarget("32x26122x256"));

        String md = Compare.toMarkdown(List.of(met, missed, noPeer), "test machine", "--rounds 3", null);
        assertTrue(md.contains("| W1 hmlp | 1 | steps/s | 31.0 (30.0-33.0) | 10.0 (9.0-11.0) | PyTorch | 3.10x | 3.0x | - | - | yes |"), md);
        assertTrue(md.contains("| W2 chunked | 2 |") && md.contains("**no**"), md);
        assertTrue(md.contains("not run") && md.contains("n/a"), md);
        assertTrue(md.contains("bench compare --rounds 3 --markdown"), md);
        String json = Compare.toJson(List.of(met, noPeer), "m");
        Map<String, Object> parsed = Json.parse(json);
        assertEquals("m", parsed.get("machine"));
        assertTrue(json.contains("\"met\":true") && json.contains("\"peer_median\":null"), json);
    }

    @Test
    void aTargetAboveTheFmaCeilingIsMarkedOutOfReach() {
        // ours 30 steps/s, peer 20; at the FMA peak ours would do 50: the ceiling is 2.5x.
        Compare.Row hard = new Compare.Row("W1 hmlp", 1, "steps/s", "PyTorch", List.of(30.0), List.of(20.0), 3.0, 50.0);
        assertEquals(2.5, hard.ceiling(), 1e-12);
        assertTrue(hard.outOfReach());
        Compare.Row open = new Compare.Row("W1 hmlp", 2, "steps/s", "PyTorch", List.of(30.0), List.of(20.0), 2.0, 80.0);
        assertFalse(open.outOfReach(), "unmet, but the machine would allow 4x");
        String text = Compare.toText(List.of(hard, open), "m");
        assertTrue(text.contains("2.50x") && text.contains("NO (above the FMA ceiling)"), text);
        String md = Compare.toMarkdown(List.of(hard, open), "m", "--rounds 1", null);
        assertTrue(md.contains("| 3.0x | 2.50x | - | **no** (above the FMA ceiling) |") && md.contains("| 2.0x | 4.00x | - | **no** |"), md);
        assertTrue(Compare.toJson(List.of(hard), "m").contains("\"ceiling\":2.5"));
    }

    @Test
    void aTargetAboveTheBestMeasuredSgemmIsMarkedAsSuch() {
        // FMA peak 100 GFLOP/s, at which ours would do 80 steps/s; the fastest sgemm ran at 75 GFLOP/s,
        // so ours could do at most 60 steps/s: against the peer's 20, a 3x target is above that ceiling.
        Compare.Row row = new Compare.Row("W2 chunked", 2, "steps/s", "PyTorch", List.of(40.0), List.of(20.0), 3.5, 80.0).withBestGemm(75.0, 100.0);
        assertEquals(4.0, row.ceiling(), 1e-12);
        assertEquals(3.0, row.gemmCeiling(), 1e-12);
        assertFalse(row.outOfReach());
        assertTrue(row.beyondBestGemm());
        assertTrue(Compare.toText(List.of(row), "m").contains("NO (above the sgemm ceiling)"));
        assertTrue(Compare.toMarkdown(List.of(row), "m", "--rounds 1", null).contains("| 3.5x | 4.00x | 3.00x | **no** (above the sgemm ceiling) |"));
        assertTrue(Compare.toJson(List.of(row), "m").contains("\"sgemm_ceiling\":3"));
        Compare.Row reachable = new Compare.Row("W1 hmlp", 2, "steps/s", "PyTorch", List.of(40.0), List.of(20.0), 2.5, 80.0).withBestGemm(75.0, 100.0);
        assertFalse(reachable.beyondBestGemm());
        // The best of a row counts every round, ours and the peer's.
        Compare.Row cube = new Compare.Row("sgemm 1024x1024x1024", 2, "GFLOP/s", "OpenBLAS", List.of(90.0, 95.0), List.of(99.0, 97.0), 0.9);
        assertEquals(99.0, Compare.bestOf(cube), 0);
    }
}
