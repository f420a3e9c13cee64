package io.jlvs.transport.epoll.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** EMFILE under a low RLIMIT_NOFILE, in a child JVM so that this JVM keeps its limit. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmfileTest {
    @Test
    void shouldReturnEmfileAtTheDescriptorLimitAndRecoverAfterAClose() throws Exception {
        final String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        final Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx64m",
            "-cp", System.getProperty("java.class.path"), EmfileChild.class.getName())
            .redirectErrorStream(true).start();
        child.getOutputStream().close();
        final String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child finished");
        assertEquals(0, child.exitValue(), out);
        final List<String> lines = out.lines()
            .filter(l -> !l.startsWith("WARNING") && !l.startsWith("start ")).toList();
        assertEquals(7, lines.size(), out);
        assertTrue(lines.get(0).matches("socket EMFILE after (1[0-9]|20)"), out);
        assertEquals("pipe2 EMFILE", lines.get(1));
        assertEquals("eventfd EMFILE", lines.get(2));
        assertEquals("accept4 EMFILE", lines.get(3), "a pending connection cannot be accepted at the limit");
        assertEquals("pool EMFILE", lines.get(4));
        assertEquals("after close ok", lines.get(5));
        assertEquals("accept4 after close ok", lines.get(6), "the pending connection waited in the queue");
    }
}
