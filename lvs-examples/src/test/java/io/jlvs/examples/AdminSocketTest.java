package io.jlvs.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jlvs.examples.AdminSupport.ask;
import static io.jlvs.examples.AdminSupport.freePort;
import static io.jlvs.examples.AdminSupport.rules;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminSocketTest {
    private final AdminSupport t = new AdminSupport();

    @AfterEach
    void tearDown() throws Exception {
        t.close();
    }

    private static String saved(final int vport, final int weight) {
        return "-A -t 127.0.0.1:" + vport + " -s wrr\n-a -t 127.0.0.1:" + vport + " -r 127.0.0.1:7001 -m -w " + weight
            + "\n";
    }

    @Test
    void unixSocketIsOwnerOnlyAtAdminLevelAndRemovedOnClose(@TempDir final Path dir) throws Exception {
        final int vport = freePort();
        final Path sock = dir.resolve("admin.sock");
        final Director d = t.start(dir, rules(vport), "--admin", "unix:" + sock);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        final SocketAddress a = UnixDomainSocketAddress.of(sock);
        assertEquals(a, d.adminSocketAddress());
        assertNull(d.adminAddress());
        assertTrue(ask(a, "-L -n").startsWith("JLVS version "));
        // the default level on a Unix domain socket is admin: adding a server works
        assertEquals("", ask(a, "-a -t 127.0.0.1:" + vport + " -r 127.0.0.1:7002 -m -w 1"));
        assertEquals(saved(vport, 3) + "-a -t 127.0.0.1:" + vport + " -r 127.0.0.1:7002 -m -w 1\n", ask(a, "-S -n"));
        d.close();
        assertFalse(Files.exists(sock), "socket file removed");
    }

    @Test
    void aStaleSocketFileIsReplacedAndAnythingElseIsAnError(@TempDir final Path dir) throws Exception {
        final Path sock = dir.resolve("admin.sock");
        // a socket left behind by a process that did not remove it
        final java.nio.channels.ServerSocketChannel stale =
            java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        stale.bind(UnixDomainSocketAddress.of(sock));
        stale.close();
        assertTrue(Files.exists(sock));
        final Director d = t.start(dir, rules(freePort()), "--admin", "unix:" + sock, "--admin-mode", "0660");
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        assertTrue(ask(d.adminSocketAddress(), "-v").startsWith("JLVS version "));
        // a last line without a newline is still a command
        try (SocketChannel ch = SocketChannel.open(d.adminSocketAddress())) {
            AdminSupport.write(ch, "-v");
            ch.shutdownOutput();
            assertTrue(AdminSupport.readAll(ch).startsWith("JLVS version "));
        }

        // a second director on the same socket: refused, and the first keeps its socket
        final Path second = dir.resolve("second");
        Files.writeString(second, rules(freePort()));
        assertEquals(1, Main.run(new String[] {"run", "--rules", second.toString(), "--admin", "unix:" + sock},
            InputStream.nullInputStream(), t.out, t.err, false));
        assertTrue(t.err().contains(sock + ": another process listens on it"), t.err());
        assertTrue(ask(d.adminSocketAddress(), "-v").startsWith("JLVS version "));

        final Path file = dir.resolve("not-a-socket");
        Files.writeString(file, "keep me");
        final Path rulesFile = dir.resolve("r");
        Files.writeString(rulesFile, rules(freePort()));
        assertEquals(1, Main.run(new String[] {"run", "--rules", rulesFile.toString(), "--admin", "unix:" + file},
            InputStream.nullInputStream(), t.out, t.err, false));
        assertTrue(t.err().contains("exists and is not a socket"), t.err());
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void tcpDefaultsToReadAndNonLoopbackNeedsAToken(@TempDir final Path dir) throws Exception {
        final int vport = freePort();
        final Director d = t.start(dir, rules(vport), "--admin", "127.0.0.1:0");
        final InetSocketAddress a = d.adminAddress();
        assertTrue(ask(a, "-L -n").startsWith("JLVS version "));
        assertEquals("error: line 1: permission denied: edit-server needs the operator level; this admin socket is "
            + "at read\n", ask(a, "-e -t 127.0.0.1:" + vport + " -r 127.0.0.1:7001 -m -w 0"));
        assertEquals(saved(vport, 3), ask(a, "-S -n"));

        final Path rulesFile = dir.resolve("r");
        Files.writeString(rulesFile, rules(freePort()));
        assertEquals(2, Main.run(new String[] {"run", "--rules", rulesFile.toString(), "--admin", "0.0.0.0:0"},
            InputStream.nullInputStream(), t.out, t.err, false));
        assertTrue(t.err().contains("--admin 0.0.0.0:0: a TCP admin socket on a non-loopback address needs "
            + "--admin-token-file"), t.err());
    }

    @Test
    void theTokenMustOpenEachConnection(@TempDir final Path dir) throws Exception {
        final int vport = freePort();
        final Path token = dir.resolve("token");
        Files.writeString(token, "s3cret-token-0123456789\n");
        final Director d = t.start(dir, rules(vport), "--admin", "0.0.0.0:0", "--admin-token-file",
            token.toString(), "--admin-level", "operator");
        final InetSocketAddress a = new InetSocketAddress("127.0.0.1", d.adminAddress().getPort());
        assertEquals("error: the first line must be the admin token; closing\n", ask(a, "-L -n", "-L -n"));
        assertEquals("error: the first line must be the admin token; closing\n", ask(a, "s3cret-token-012345678",
            "-L -n"));
        assertTrue(ask(a, "s3cret-token-0123456789", "-L -n").startsWith("JLVS version "));
        assertEquals("", ask(a, "s3cret-token-0123456789", "-e -t 127.0.0.1:" + vport + " -r 127.0.0.1:7001 -m -w 5"));
        assertEquals(saved(vport, 5), ask(a, "s3cret-token-0123456789", "-S -n"));

        Files.writeString(token, "short\n");
        final Path rulesFile = dir.resolve("r");
        Files.writeString(rulesFile, rules(freePort()));
        assertEquals(2, Main.run(new String[] {"run", "--rules", rulesFile.toString(), "--admin", "127.0.0.1:0",
            "--admin-token-file", token.toString()}, InputStream.nullInputStream(), t.out, t.err, false));
        assertTrue(t.err().contains("the token (its first line) has 5 characters (expected: at least 16)"), t.err());
    }

    @Test
    void operatorChangesWeightsDrainsAndDisablesButNothingElse(@TempDir final Path dir) throws Exception {
        final int vport = freePort();
        final Director d = t.start(dir, rules(vport), "--admin", "127.0.0.1:0", "--admin-level", "operator");
        final InetSocketAddress a = d.adminAddress();
        final String svc = "-t 127.0.0.1:" + vport;
        assertEquals("", ask(a, "-e " + svc + " -r 127.0.0.1:7001 -m -w 4"));
        assertEquals(saved(vport, 4), ask(a, "-S -n"));
        assertTrue(ask(a, "-e " + svc + " -r 127.0.0.1:7001 -m -w 4 -x 10").startsWith(
            "error: line 1: permission denied: edit-server needs the admin level; this admin socket is at operator "
                + "(operator level may change only the weight"));
        assertEquals("error: line 1: permission denied: add-server needs the admin level; this admin socket is at "
            + "operator\n", ask(a, "-a " + svc + " -r 127.0.0.1:7002 -m"));
        assertEquals("error: line 1: permission denied: delete-service needs the admin level; this admin socket is "
            + "at operator\n", ask(a, "-D " + svc));
        assertEquals("error: line 1: permission denied: flush needs the admin level; this admin socket is at "
            + "operator\n", ask(a, "-C"));
        assertEquals(saved(vport, 4), ask(a, "-S -n"));

        assertEquals("", ask(a, "drain " + svc + " -r 127.0.0.1:7001"));
        assertEquals(saved(vport, 0), ask(a, "-S -n"));
        assertEquals("", ask(a, "disable " + svc + " -r 127.0.0.1:7001"));
        assertEquals(0, d.loadBalancer().services().service(
            io.jlvs.core.config.ServiceKey.tcp("127.0.0.1", vport)).servers().size());
        assertEquals("", ask(a, "enable " + svc + " -r 127.0.0.1:7001"));
        assertEquals(saved(vport, 4), ask(a, "-S -n"), "enable restores the weight drain saved");
        assertEquals(1, d.loadBalancer().services().service(
            io.jlvs.core.config.ServiceKey.tcp("127.0.0.1", vport)).servers().size());
        assertEquals("No such destination\n", ask(a, "drain " + svc + " -r 127.0.0.1:7009"));
        assertEquals("", ask(a, "-Z"));

        final Director r = t.start(dir, rules(freePort()), "--admin", "127.0.0.1:0", "--admin-level", "read");
        assertEquals("error: line 1: permission denied: drain needs the operator level; this admin socket is at "
            + "read\n", ask(r.adminAddress(), "drain " + svc + " -r 127.0.0.1:7001"));
        assertEquals("error: line 1: permission denied: zero needs the operator level; this admin socket is at "
            + "read\n", ask(r.adminAddress(), "-Z"));
    }

    @Test
    void fileOptionsAreRefusedUnlessUnderTheAllowedFolder(@TempDir final Path dir) throws Exception {
        final Path outside = Files.writeString(dir.resolve("secret"), "root:x:0:0\n");
        final Path allowed = Files.createDirectory(dir.resolve("pages"));
        final Path page = Files.writeString(allowed.resolve("sorry.html"), "sorry\n");
        Files.createSymbolicLink(allowed.resolve("link"), outside);
        final int vport = freePort();
        final String svc = "-t 127.0.0.1:" + vport;

        final Director none = t.start(dir, rules(vport), "--admin", "127.0.0.1:0", "--admin-level", "admin");
        assertEquals("error: line 1: --sorry-file " + outside + ": files are refused over the admin socket (start "
            + "the director with --admin-files DIR to allow files under DIR)\n",
            ask(none.adminAddress(), "-E " + svc + " -s wrr --sorry-file " + outside));
        assertEquals(saved(vport, 3), ask(none.adminAddress(), "-S -n"));
        none.close();

        final Director d = t.start(dir, rules(vport), "--admin", "127.0.0.1:0", "--admin-level", "admin",
            "--admin-files", allowed.toString());
        final InetSocketAddress a = d.adminAddress();
        final String real = allowed.toRealPath().toString();
        assertEquals("error: line 1: --sorry-file " + outside + ": not under " + real + " (the folder given with "
            + "--admin-files; symbolic links are resolved)\n", ask(a, "-E " + svc + " -s wrr --sorry-file " + outside));
        assertEquals("error: line 1: --sorry-file " + allowed.resolve("link") + ": not under " + real
            + " (the folder given with --admin-files; symbolic links are resolved)\n",
            ask(a, "-E " + svc + " -s wrr --sorry-file " + allowed.resolve("link")));
        assertTrue(ask(a, "-E " + svc + " -s wrr --sorry-file " + allowed + "/../secret").contains(": not under "));
        assertEquals("error: line 1: --sorry-file " + allowed.resolve("nope") + ": no such file\n",
            ask(a, "-E " + svc + " -s wrr --sorry-file " + allowed.resolve("nope")));
        assertEquals(saved(vport, 3), ask(a, "-S -n"), "nothing changed");

        assertEquals("", ask(a, "-E " + svc + " -s wrr --sorry-file sorry.html"));
        assertTrue(ask(a, "-S -n").startsWith("-A " + svc + " -s wrr --sorry-file " + page.toRealPath() + "\n"),
            "a relative name is resolved in the folder and stored as its real path");
    }

    @Test
    void aServiceOnTheAdminSocketsOwnAddressIsRefused(@TempDir final Path dir) throws Exception {
        final int vport = freePort();
        final Director d = t.start(dir, rules(vport), "--admin", "127.0.0.1:0", "--admin-level", "admin");
        final InetSocketAddress a = d.adminAddress();
        assertEquals("error: line 1: TCP 127.0.0.1:" + a.getPort() + " is the admin socket's own address\n",
            ask(a, "-A -t 127.0.0.1:" + a.getPort() + " -s rr"));
        assertEquals("error: line 1: TCP 0.0.0.0:" + a.getPort() + " is the admin socket's own address\n",
            ask(a, "-A -t 0.0.0.0:" + a.getPort() + " -s rr"));
        assertEquals(saved(vport, 3), ask(a, "-S -n"));
        assertTrue(ask(a, "-L -n").startsWith("JLVS version "), "the admin socket still answers");
    }

    @Test
    void aLineLongerThan64KiBIsAnsweredWithAShortQuoteAndClosed(@TempDir final Path dir) throws Exception {
        final int vport = freePort();
        final Director d = t.start(dir, rules(vport), "--admin", "127.0.0.1:0");
        final InetSocketAddress a = d.adminAddress();
        final String huge = "-L " + "x".repeat(AdminOptions.MAX_LINE_BYTES);
        final String answer;
        try (SocketChannel ch = SocketChannel.open(a)) {
            AdminSupport.write(ch, "-v\n");
            assertTrue(AdminSupport.readLine(ch).startsWith("JLVS version "));
            AdminSupport.write(ch, huge + "\n-L -n\n");
            ch.shutdownOutput();
            answer = AdminSupport.readAll(ch);
        }
        assertEquals("error: line 2: longer than 65536 bytes: '" + huge.substring(0, 80) + "...' (65536 characters); "
            + "closing\n", answer);
        // a long token within the limit is answered with a clipped message
        final String token = "--" + "y".repeat(60_000);
        final String clipped = ask(a, "-L " + token);
        assertTrue(clipped.startsWith("error: line 1: "), clipped);
        assertTrue(clipped.length() < 300, "error of " + clipped.length() + " characters");
        assertTrue(ask(a, "-L -n").startsWith("JLVS version "), "the admin socket still answers");
    }

    @Test
    void aNinthConnectionIsToldAndClosedAndASlotFreesUp(@TempDir final Path dir) throws Exception {
        final Director d = t.start(dir, rules(freePort()), "--admin", "127.0.0.1:0");
        final InetSocketAddress a = d.adminAddress();
        final List<SocketChannel> idle = new ArrayList<>();
        try {
            for (int i = 0; i < AdminOptions.DEFAULT_MAX_CONNECTIONS; i++) {
                final SocketChannel ch = SocketChannel.open(a);
                idle.add(ch);
                AdminSupport.write(ch, "-v\n"); // served: it holds a slot
                assertTrue(AdminSupport.readLine(ch).startsWith("JLVS version "));
            }
            try (SocketChannel ninth = SocketChannel.open(a)) {
                assertEquals("error: too many admin connections (at most 8 at once); try again later\n",
                    AdminSupport.readAll(ninth));
            }
            idle.remove(0).close();
            // the server frees the slot once it sees the close
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String got;
            do {
                try {
                    got = ask(a, "-v");
                } catch (final java.io.IOException e) {
                    got = e.toString(); // refused while the slot was still taken: the reset may come first
                }
            } while (!got.startsWith("JLVS version ") && System.nanoTime() < deadline);
            assertTrue(got.startsWith("JLVS version "), got);
        } finally {
            for (final SocketChannel ch : idle) {
                ch.close();
            }
        }
    }

    @Test
    void anIdleConnectionIsClosed(@TempDir final Path dir) throws Exception {
        final Director d = t.start(dir, rules(freePort()), "--admin", "127.0.0.1:0", "--admin-idle-timeout", "1");
        try (SocketChannel ch = SocketChannel.open(d.adminAddress())) {
            AdminSupport.write(ch, "-v\n");
            assertTrue(AdminSupport.readLine(ch).startsWith("JLVS version "));
            // no more lines: the server closes the connection after a second of silence
            assertNull(AdminSupport.readLine(ch));
        }
        assertTrue(new String(ask(d.adminAddress(), "-v").getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
            .startsWith("JLVS version "));
    }
}
