package io.jlvs.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A second {@code jlvs run} on a VIP:port another one holds exits 1 naming the address; with
 * {@code --reuse-port-share} on both they share it and both serve. {@code --relay-buffer-budget} is checked.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReusePortCliTest {
    private final WireSupport w = new WireSupport();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() throws Exception {
        w.close();
    }

    private int runOnce(final String... args) {
        w.outBytes.reset();
        w.errBytes.reset();
        return Main.run(args, InputStream.nullInputStream(), w.out, w.err, false);
    }

    @Test
    void secondDirectorOnTheSamePortFailsUnlessBothShare() throws Exception {
        final ServerSocket a = w.named("a");
        final int vip = WireSupport.freePort();
        final Path rules = Files.writeString(dir.resolve("rules"), "-A -t 127.0.0.1:" + vip + " -s rr\n"
            + "-a -t 127.0.0.1:" + vip + " -r 127.0.0.1:" + a.getLocalPort() + " -m\n");
        final Director first = w.run("--rules", rules.toString(), "--no-jmx");
        assertTrue(first != null, w.err());
        assertEquals(1, runOnce("run", "--rules", rules.toString(), "--no-jmx"), w.err());
        assertTrue(w.err().startsWith("jlvs: cannot listen on TCP 127.0.0.1:" + vip + ": another listener holds TCP "
            + "127.0.0.1:" + vip + " already"), w.err());
        assertTrue(w.err().contains("--reuse-port-share"), w.err());
        assertEquals("a", WireSupport.nameAt(vip), "the first director still serves");
        first.close();
        w.closeables.remove(first);

        final Director one = w.run("--rules", rules.toString(), "--no-jmx", "--reuse-port-share",
            "--relay-buffer-budget", "8m");
        assertTrue(one != null, w.err());
        final Director two = w.run("--rules", rules.toString(), "--no-jmx", "--reuse-port-share");
        assertTrue(two != null, w.err());
        assertEquals(8L << 20, one.loadBalancer().options().relayBufferBudget());
        for (int i = 0; i < 20; i++) {
            assertEquals("a", WireSupport.nameAt(vip));
        }
        final long served = one.loadBalancer().snapshot().totals().conns()
            + two.loadBalancer().snapshot().totals().conns();
        assertEquals(20, served, "every connection went through one of the two directors");
    }

    @Test
    void relayBufferBudgetIsChecked() throws Exception {
        final Path rules = Files.writeString(dir.resolve("rules"), "-A -t 127.0.0.1:" + WireSupport.freePort()
            + " -s rr\n");
        for (final String bad : new String[] {"1k", "lots", "2000g"}) {
            final Main.UsageException e = assertThrows(Main.UsageException.class,
                () -> w.run("--rules", rules.toString(), "--relay-buffer-budget", bad));
            assertTrue(e.getMessage().startsWith("--relay-buffer-budget " + bad + ": expected "), e.getMessage());
        }
    }
}
