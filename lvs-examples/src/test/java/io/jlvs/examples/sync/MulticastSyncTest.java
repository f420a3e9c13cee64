package io.jlvs.examples.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Sync over a multicast group: the host's loopback has multicast off, so the test makes a network namespace whose
 * loopback has it on and runs {@link MulticastProbe} there (needs root and iproute2, as CI has).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MulticastSyncTest {
    private static void ip(final String... args) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(List.of(args)).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", args) + ": " + out);
        }
    }

    @Test
    void aBackupShouldLearnTheMastersTemplatesThroughTheGroup(@TempDir final Path dir) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && (Files.isExecutable(Path.of("/usr/sbin/ip"))
            || Files.isExecutable(Path.of("/sbin/ip"))), "needs root and iproute2");
        final String ns = "jlvs-sync-" + ProcessHandle.current().pid();
        ip("ip", "netns", "add", ns);
        try {
            ip("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
            ip("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "multicast", "on");
            try (ChildJvm probe = new ChildJvm("probe", dir, List.of("ip", "netns", "exec", ns),
                "io.jlvs.examples.sync.MulticastProbe")) {
                probe.await(Pattern.compile("multicast: backup imported 5 templates"), 60);
                assertEquals(0, probe.waitFor(30), probe.stderrText());
            }
        } finally {
            ip("ip", "netns", "del", ns);
        }
    }
}
