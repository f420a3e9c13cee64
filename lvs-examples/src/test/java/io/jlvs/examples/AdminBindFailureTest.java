package io.jlvs.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.jlvs.examples.AdminSupport.ask;
import static io.jlvs.examples.AdminSupport.freePort;
import static io.jlvs.examples.AdminSupport.rules;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -A} over the admin socket on a port that cannot be bound is an error and changes nothing. Needs the engine
 * to bind synchronously in {@code LoadBalancer.addService} and throw when it cannot (the "nio" change); until then
 * {@code -A} answers success and lists a service that does not listen.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminBindFailureTest {
    private final AdminSupport t = new AdminSupport();

    @AfterEach
    void tearDown() throws Exception {
        t.close();
    }

    @Test
    void addingAServiceOnAPortInUseIsAnErrorAndChangesNothing(@TempDir final Path dir) throws Exception {
        final int vport = freePort();
        final Director d = t.start(dir, rules(vport), "--admin", "127.0.0.1:0", "--admin-level", "admin");
        final InetSocketAddress a = d.adminAddress();
        final String before = ask(a, "-S -n");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final String answer = ask(a, "-A -t 127.0.0.1:" + taken.getLocalPort() + " -s rr");
            assertFalse(answer.isEmpty(), "an error answer, not success");
            assertTrue(!answer.startsWith("warning:"), answer);
            assertEquals(before, ask(a, "-S -n"), "the table is unchanged");
            assertTrue(ask(a, "-L -n").startsWith("JLVS version "), "the admin socket still answers");
        }
    }
}
