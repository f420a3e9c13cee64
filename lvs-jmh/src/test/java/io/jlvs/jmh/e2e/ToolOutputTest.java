package io.jlvs.jmh.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing of reports recorded from wrk 4.1 and iperf 3.12 on this project's machine (src/test/resources/e2e). */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ToolOutputTest {
    static String resource(final String name) throws IOException {
        try (InputStream in = ToolOutputTest.class.getResourceAsStream("/e2e/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource /e2e/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldReadRateTransferAndLatencyDistributionOfWrk() throws IOException {
        final Map<String, Double> m = ToolOutput.wrk(resource("wrk-1k.txt"));
        assertEquals(12994.14, m.get("requests_per_s"), 1e-9);
        assertEquals(15.84 * 1024 * 1024, m.get("bytes_per_s"), 1e-6);
        assertEquals(14292, m.get("requests"), 0);
        assertEquals(17.42 * 1024 * 1024, m.get("bytes"), 1e-6);
        assertEquals(0, m.get("errors"), 0);
        assertEquals(366.0, m.get("p50_us"), 1e-9);
        assertEquals(1370.0, m.get("p75_us"), 1e-9);
        assertEquals(4310.0, m.get("p90_us"), 1e-9);
        assertEquals(26460.0, m.get("p99_us"), 1e-9);
    }

    @Test
    void shouldReadWrkWithoutLatencyDistribution() throws IOException {
        final Map<String, Double> m = ToolOutput.wrk(resource("wrk-close.txt"));
        assertEquals(2627.29, m.get("requests_per_s"), 1e-9);
        assertEquals(3.19 * 1024 * 1024, m.get("bytes_per_s"), 1e-6);
        assertEquals(2665, m.get("requests"), 0);
        assertEquals(3.24 * 1024 * 1024, m.get("bytes"), 1e-6);
        assertFalse(m.containsKey("p50_us"));
    }

    @Test
    void shouldCountSocketErrorsAndNon2xxAnswersOfWrk() throws IOException {
        final String r = resource("wrk-close.txt").replace("Requests/sec:",
            "  Socket errors: connect 1, read 2, write 3, timeout 4\n  Non-2xx or 3xx responses: 10\nRequests/sec:");
        assertEquals(20, ToolOutput.wrk(r).get("errors"), 0);
    }

    @Test
    void shouldReadSecondsInWrkLatencies() {
        final String r = "  Latency Distribution\n     50%    1.50s\n     99%    2.00s\nRequests/sec:  1.00\n";
        final Map<String, Double> m = ToolOutput.wrk(r);
        assertEquals(1.5e6, m.get("p50_us"), 1e-6);
        assertEquals(2.0e6, m.get("p99_us"), 1e-6);
    }

    @Test
    void shouldFailWithWrksMessageWhenItCouldNotConnect() throws IOException {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ToolOutput.wrk(resource("wrk-refused.txt")));
        assertTrue(e.getMessage().contains("unable to connect to 127.0.0.1:29099 Connection refused"), e.getMessage());
    }

    @Test
    void shouldReadReceivedRateAndRetransmitsOfIperf3Tcp() throws IOException {
        final Map<String, Double> m = ToolOutput.iperf3Tcp(resource("iperf-tcp.json"));
        assertEquals(2057471892.18293, m.get("bits_per_s"), 1e-3);
        assertEquals(26, m.get("retransmits"), 0);
        assertEquals(263192576, m.get("bytes"), 0);
    }

    @Test
    void shouldReadDeliveredOfferedAndLossOfIperf3Udp() throws IOException {
        final Map<String, Double> m = ToolOutput.iperf3Udp(resource("iperf-udp.json"));
        assertEquals(306649122.3158543, m.get("bits_per_s"), 1e-3);
        assertEquals(590190437.6215546, m.get("offered_bits_per_s"), 1e-3);
        assertEquals(100 * (1 - 38336200.0 / 73778600.0), m.get("loss_pct"), 1e-9);
        assertEquals(48.038862217499386, m.get("iperf3_lost_pct"), 1e-9);
        assertEquals(52699, m.get("packets"), 0);
        assertEquals(38336200, m.get("bytes"), 0);
    }

    @Test
    void shouldCountLossByBytesWhereIperf3sSequenceCountGoesAbove100Percent() {
        final String r = "{\"end\":{\"sum_sent\":{\"bytes\":1000.0,\"bits_per_second\":8000.0,\"lost_percent\":0},"
            + "\"sum_received\":{\"bytes\":250.0,\"bits_per_second\":2000.0,\"lost_percent\":137.3,"
            + "\"packets\":4}}}";
        final Map<String, Double> m = ToolOutput.iperf3Udp(r);
        assertEquals(75.0, m.get("loss_pct"), 1e-9);
        assertEquals(137.3, m.get("iperf3_lost_pct"), 1e-9);
        assertEquals(2000.0, m.get("bits_per_s"), 1e-9);
        assertEquals(250.0, m.get("bytes"), 1e-9);
    }

    @Test
    void shouldDeriveDeliveredFromTheSumOnIperf3WithoutReceivedSum() {
        final String old = "{\"end\":{\"sum\":{\"bits_per_second\":1000.0,\"lost_percent\":25,\"packets\":8}}}";
        final Map<String, Double> m = ToolOutput.iperf3Udp(old);
        assertEquals(750.0, m.get("bits_per_s"), 1e-9);
        assertEquals(1000.0, m.get("offered_bits_per_s"), 1e-9);
        assertEquals(25.0, m.get("loss_pct"), 1e-9);
    }

    @Test
    void shouldFailWithIperf3sOwnErrorWhenTheServerIsBusy() {
        final String busy = "{\"start\":{},\"intervals\":[],\"end\":{},"
            + "\"error\":\"error - the server is busy running a test. try again later\"}";
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ToolOutput.iperf3Tcp(busy));
        assertEquals("iperf3: error - the server is busy running a test. try again later", e.getMessage());
    }

    @Test
    void shouldNameTheProblemWhenIperf3PrintedNoJsonOrNoSum() {
        final IllegalArgumentException notJson = assertThrows(IllegalArgumentException.class,
            () -> ToolOutput.iperf3Tcp("iperf3: error - unable to connect to server\n"));
        assertTrue(notJson.getMessage().startsWith("iperf3 output is not JSON"), notJson.getMessage());
        assertTrue(notJson.getMessage().endsWith("iperf3: error - unable to connect to server"),
            notJson.getMessage());
        final IllegalArgumentException noSum = assertThrows(IllegalArgumentException.class,
            () -> ToolOutput.iperf3Tcp("{\"end\":{}}"));
        assertEquals("iperf3 report without end.sum_received.bits_per_second", noSum.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ToolOutput.iperf3Udp("{\"end\":{}}"));
    }

    @Test
    void shouldReadPerfStatCsvAndLeaveOutEventsPerfCouldNotCount() {
        // as perf 6.1 writes it with -x, -o FILE
        final String csv = "# started on Wed Dec  2 00:10:11 2026\n\n"
            + "411.10,msec,task-clock,411096824,100.00,0.821,CPUs utilized\n"
            + "112,,context-switches,411096824,100.00,272.442,/sec\n"
            + "<not counted>,,cpu-migrations,0,100.00,,\n";
        assertEquals(Map.of("task-clock", 411.10, "context-switches", 112.0), ToolOutput.perfStat(csv));
    }

    @Test
    void shouldRefusePerfOutputThatCountedNothing() {
        assertEquals("perf stat counted nothing: <not counted>,msec,task-clock,0,100.00,,",
            assertThrows(IllegalArgumentException.class,
                () -> ToolOutput.perfStat("<not counted>,msec,task-clock,0,100.00,,\n")).getMessage());
    }
}
