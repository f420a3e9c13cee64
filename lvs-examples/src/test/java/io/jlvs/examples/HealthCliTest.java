package io.jlvs.examples;

import io.jlvs.core.transport.Health;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The director's {@code health()} on {@code /api/status} and on the admin socket's {@code -L --health}. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HealthCliTest {
    private final WireSupport w = new WireSupport();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() throws Exception {
        w.close();
    }

    @Test
    void statusAndAdminShowHealth() throws Exception {
        final Path rules = Files.writeString(dir.resolve("rules"), "-A -t 127.0.0.1:" + WireSupport.freePort()
            + " -s rr\n");
        final Director d = w.run("--rules", rules.toString(), "--no-jmx", "--http", "127.0.0.1:0", "--admin",
            "127.0.0.1:0");
        assertTrue(d != null, w.err());
        assertTrue(d.loadBalancer().health().healthy());
        final String http = w.find("http on (127\\.0\\.0\\.1:[0-9]+) ");
        final HttpResponse<String> status = WireSupport.get("http://" + http + "/api/status");
        assertEquals(200, status.statusCode());
        assertTrue(status.body().replaceAll("\\s", "").contains("\"health\":{\"healthy\":true,\"problems\":[]}"),
            status.body());
        assertEquals("healthy\n", WireSupport.ask(d.adminAddress(), "-L --health"));
        assertEquals("healthy\nhealthy\n", WireSupport.ask(d.adminAddress(), "-L -n --health", "-l --health"));
        assertTrue(WireSupport.ask(d.adminAddress(), "-L --health --stats").startsWith("error: line 1: "),
            "other options with --health are the parser's to refuse");
    }

    @Test
    void unhealthyNamesEachProblem() {
        assertEquals("unhealthy\n  jlvs-loop-1 died: java.lang.OutOfMemoryError: Java heap space (restarted)\n",
            AdminCommands.health(Health.of(List.of("jlvs-loop-1 died: java.lang.OutOfMemoryError: Java heap space "
                + "(restarted)"))));
    }
}
