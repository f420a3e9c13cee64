package io.jlvs.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Log lines written while the demo redraws its view go above the view, not through it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DemoViewTest {
    @Test
    void logLinesArePrintedAboveTheLiveViewNotIntoIt() throws Exception {
        final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        final PrintStream before = System.err;
        System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
        final Thread logger = new Thread(() -> {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!outBytes.toString(StandardCharsets.UTF_8).contains("] 1/9 s") && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                try {
                    Thread.sleep(10); // polling for the first view, with a deadline
                } catch (final InterruptedException e) {
                    return;
                }
            }
            LoggerFactory.getLogger(DemoViewTest.class).warn("marker-while-the-view-runs");
        });
        final int status;
        try {
            logger.start();
            status = Demo.run(new Demo.Options(9, true), out);
            logger.join();
        } finally {
            System.setErr(before);
        }
        assertEquals(0, status);
        final String o = outBytes.toString(StandardCharsets.UTF_8);
        final String e = errBytes.toString(StandardCharsets.UTF_8);
        assertFalse(e.contains("marker-while-the-view-runs"), "not written through the view: " + e);
        assertTrue(o.contains("marker-while-the-view-runs\n"), o);
        final int at = o.indexOf("marker-while-the-view-runs");
        final int lineStart = o.lastIndexOf('\n', at) + 1;
        final String line = o.substring(lineStart, o.indexOf('\n', at));
        final int clear = o.lastIndexOf("\033[2K", at);
        assertTrue(clear >= lineStart && o.substring(clear + 4, at).indexOf('\033') < 0
            || !line.contains("\033"), "a whole line of its own, above the view: " + line);
        assertTrue(o.contains("ipvsadm -Ln --stats:"), o);
    }
}
