package io.jlvs.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jlvs tune} through the CLI on a fake /proc: 0 when the host can take N, 1 naming each short setting, 2 for
 * bad options or rules; {@code jlvs run} prints the same short settings as warnings at start, for
 * {@code --expect-connections} and for the rules' {@code --max-conns}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TuneCliTest {
    private final WireSupport w = new WireSupport();

    @TempDir
    Path proc;

    @AfterEach
    void tearDown() throws Exception {
        w.close();
    }

    private void put(final String rel, final String content) throws IOException {
        final Path p = proc.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    /** A host that takes 5,000 connections; {@code openFiles} is RLIMIT_NOFILE (soft and hard). */
    private void host(final int openFiles) throws IOException {
        put("self/limits", "Limit                     Soft Limit           Hard Limit           Units     \n"
            + "Max open files            " + openFiles + "               " + openFiles + "               files     \n");
        put("self/smaps", "55d0c0000000-55d0c0001000 r--p 00000000 00:1f 1234 /usr/bin/java\n"
            + "Size:                  4 kB\nKernelPageSize:        4 kB\nMMUPageSize:           4 kB\n");
        put("meminfo", "MemTotal:       67108864 kB\nMemFree:        60000000 kB\nMemAvailable:   64000000 kB\n");
        put("sys/fs/nr_open", "1048576\n");
        put("sys/fs/file-max", "9223372036854775807\n");
        put("sys/fs/file-nr", "2000\t0\t9223372036854775807\n");
        put("sys/net/core/somaxconn", "4096\n");
        put("sys/net/core/netdev_max_backlog", "1000\n");
        put("sys/net/core/rmem_max", "4194304\n");
        put("sys/net/core/wmem_max", "4194304\n");
        put("sys/net/ipv4/tcp_max_syn_backlog", "4096\n");
        put("sys/net/ipv4/ip_local_port_range", "1024\t65535\n");
        put("sys/net/ipv4/tcp_mem", "200000\t300000\t400000\n");
        put("sys/net/ipv4/tcp_rmem", "4096\t131072\t6291456\n");
        put("sys/net/ipv4/tcp_wmem", "4096\t16384\t4194304\n");
        put("sys/net/ipv4/tcp_tw_reuse", "1\n");
        put("sys/net/ipv4/tcp_fin_timeout", "30\n");
    }

    private int cli(final String... args) {
        w.outBytes.reset();
        w.errBytes.reset();
        final List<String> a = new ArrayList<>(List.of(args));
        return Main.run(a.toArray(new String[0]), InputStream.nullInputStream(), w.out, w.err, false);
    }

    @Test
    void tuneExitStatusesThroughTheCli() throws Exception {
        host(200_000);
        assertEquals(0, cli("tune", "--connections", "5000", "--transport", "nio", "--proc-root", proc.toString()),
            w.err());
        assertTrue(w.out().contains("ok: this host can take 5,000 proxied connections"), w.out());
        assertTrue(w.out().contains("\nLimitNOFILE=11024\n"), w.out());

        host(1024);
        assertEquals(1, cli("tune", "--connections", "5000", "--transport", "nio", "--proc-root", proc.toString()),
            w.out());
        assertTrue(w.out().contains("SHORT: this host cannot take 5,000 proxied connections:"), w.out());
        assertTrue(w.out().contains("  RLIMIT_NOFILE soft (this JVM) is 1024, 11024 needed for 5,000 connections"),
            w.out());
        assertEquals(1, cli("tune", "--connections", "5000", "--transport", "nio", "--json", "--proc-root",
            proc.toString()));
        assertTrue(w.out().startsWith("{") && w.out().contains("\"ok\":false"), w.out());

        assertEquals(2, cli("tune", "--connections", "0"));
        assertEquals("jlvs: --connections 0: expected 1..100000000 (try jlvs tune --help)\n", w.err());
        assertEquals(2, cli("tune"));
        assertTrue(w.err().contains("--connections"), w.err());
        final Path bad = Files.writeString(proc.resolve("bad.rules"), "-A -t 10.0.0.1:80 -s nosuch\n");
        assertEquals(2, cli("tune", "--connections", "10", "--rules", bad.toString(), "--proc-root",
            proc.toString()));
        assertTrue(w.err().contains("line 1"), w.err());
        assertEquals(2, cli("tune", "--connections", "10", "--transport", "dpdk", "--proc-root", proc.toString()));
        assertEquals("jlvs: --transport dpdk: expected nio, epoll or auto (try jlvs tune --help)\n", w.err());
        // a named transport is planned whether or not it runs here: epoll's 512 pooled pipe descriptors per loop
        host(200_000);
        assertEquals(0, cli("tune", "--connections", "5000", "--transport", "epoll", "--proc-root",
            proc.toString()), w.err());
        assertTrue(w.out().contains("\ntransport: epoll (named; "), w.out());
        assertTrue(w.out().contains("\nLimitNOFILE=" + (11_024 + 512 * Runtime.getRuntime().availableProcessors())
            + "\n"), w.out());
        assertEquals(0, cli("tune", "--help"));
        assertTrue(w.out().startsWith("Usage: jlvs tune [-hV] [--json] --connections=N [--rules=FILE]"), w.out());
    }

    @Test
    void runWarnsOfShortSettingsAtStart() throws Exception {
        host(1024);
        final int vip = WireSupport.freePort();
        final Path rules = Files.writeString(proc.resolve("r.rules"), "-A -t 127.0.0.1:" + vip + " -s rr\n");
        assertTrue(w.run("--rules", rules.toString(), "--transport", "nio", "--no-jmx", "--expect-connections",
            "5000", "--proc-root", proc.toString()) != null, w.err());
        assertTrue(w.err().contains("warning: RLIMIT_NOFILE soft (this JVM) is 1024, 11024 needed for 5,000 "
            + "connections"), w.err());
        assertTrue(w.out().contains("listening on TCP 127.0.0.1:" + vip), w.out());
        w.close();
        w.closeables.clear();

        // without --expect-connections: the sum of the TCP services' --max-conns (3000 + 2000)
        w.errBytes.reset();
        final int vip2 = WireSupport.freePort();
        final Path capped = Files.writeString(proc.resolve("c.rules"), "-A -t 127.0.0.1:" + vip + " -s rr "
            + "--max-conns 3000\n-A -t 127.0.0.1:" + vip2 + " -s rr --max-conns 2000\n");
        assertTrue(w.run("--rules", capped.toString(), "--transport", "nio", "--no-jmx", "--proc-root",
            proc.toString()) != null, w.err());
        assertTrue(w.err().contains("warning: RLIMIT_NOFILE soft (this JVM) is 1024, 11024 needed for 5,000 "
            + "connections"), w.err());
        w.close();
        w.closeables.clear();

        // a host that has enough: no warnings
        host(200_000);
        w.errBytes.reset();
        assertTrue(w.run("--rules", capped.toString(), "--transport", "nio", "--no-jmx", "--proc-root",
            proc.toString()) != null, w.err());
        assertEquals("", w.err());
        w.close();
        w.closeables.clear();
        final Main.UsageException e = org.junit.jupiter.api.Assertions.assertThrows(Main.UsageException.class,
            () -> w.run("--rules", rules.toString(), "--expect-connections", "-5"));
        assertEquals("--expect-connections -5: expected a number 1..100000000", e.getMessage());
    }
}
