package io.jlvs.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import javax.management.ObjectName;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jlvs run --http} serves /metrics and /api/status for the running rules; JMX is registered by default. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunHttpTest {
    private final WireSupport w = new WireSupport();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() throws Exception {
        w.close();
    }

    @Test
    void runServesMetricsAndStatusOfTheRunningRules() throws Exception {
        final ServerSocket a = w.named("a");
        final int vip = WireSupport.freePort();
        final Path rules = Files.writeString(dir.resolve("rules"), "-A -t 127.0.0.1:" + vip + " -s rr\n"
            + "-a -t 127.0.0.1:" + vip + " -r 127.0.0.1:" + a.getLocalPort() + " -m -w 2\n");
        assertTrue(w.run("--rules", rules.toString(), "--http", "127.0.0.1:0") != null, w.err());
        final String http = w.find("http on (127\\.0\\.0\\.1:[0-9]+) \\(/metrics, /api/status, /\\)");
        assertTrue(w.out().contains("jmx MBeans registered under io.jlvs"), w.out());
        for (int i = 0; i < 3; i++) {
            assertEquals("a", WireSupport.nameAt(vip));
        }
        final String service = "TCP 127.0.0.1:" + vip;
        final String server = "127.0.0.1:" + a.getLocalPort();
        final HttpResponse<String> metrics = WireSupport.get("http://" + http + "/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("jlvs_service_connections_total{service=\"" + service + "\"} 3.0"),
            metrics.body());
        assertTrue(metrics.body().contains("jlvs_server_weight{server=\"" + server + "\",service=\"" + service
            + "\"} 2.0"), metrics.body());
        final HttpResponse<String> status = WireSupport.get("http://" + http + "/api/status");
        assertEquals(200, status.statusCode());
        assertTrue(status.body().contains("\"" + service + "\"") || status.body().contains(service), status.body());
        assertTrue(status.body().contains(server), status.body());
        assertTrue(ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("io.jlvs:*"), null).size()
            >= 2, "MBeans of the service and its server");
    }

    @Test
    void httpOptionsAreCheckedAndJmxCanBeOff() throws Exception {
        final int vip = WireSupport.freePort();
        final Path rules = Files.writeString(dir.resolve("rules"), "-A -t 127.0.0.1:" + vip + " -s rr\n");
        final Main.UsageException remote = org.junit.jupiter.api.Assertions.assertThrows(Main.UsageException.class,
            () -> w.run("--rules", rules.toString(), "--http", "192.0.2.1:9100"));
        assertTrue(remote.getMessage().contains("--http 192.0.2.1:9100: not a loopback address"),
            remote.getMessage());
        final Main.UsageException alone = org.junit.jupiter.api.Assertions.assertThrows(Main.UsageException.class,
            () -> w.run("--rules", rules.toString(), "--http-allow-remote"));
        assertEquals("--http-allow-remote needs --http", alone.getMessage());
        final Director d = w.run("--rules", rules.toString(), "--no-jmx");
        assertTrue(d != null, w.err());
        assertNull(d.http());
        assertTrue(!w.out().contains("jmx MBeans"), w.out());
    }
}
