package io.jlvs.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code jlvs check} reads rules files strictly: CR line ends load, a byte that is not UTF-8 is refused naming the
 * line and byte, and seeded-random mutated files each either pass (0) or are refused (2) with every error naming a
 * line, never a stack trace.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CheckRulesFilesTest {
    private static final long SEED = Long.getLong("wire.fuzz.seed", 0x57495245L); // "WIRE"
    private static final int FILES = 200;
    private static final Pattern LINE = Pattern.compile("line [0-9]+: .+");

    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int check(final Path file) {
        outBytes.reset();
        errBytes.reset();
        final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        return Main.run(new String[] {"check", "--rules", file.toString()}, InputStream.nullInputStream(), out, err,
            false);
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void crLineEndsLoad() throws Exception {
        final Path f = dir.resolve("cr.rules");
        Files.write(f, ("-A -t 10.0.0.1:80 -s rr\r-a -t 10.0.0.1:80 -r 192.168.1.2:80 -m -w 3\r"
            + "-a -t 10.0.0.1:80 -r 192.168.1.3:80 -m\r").getBytes(StandardCharsets.US_ASCII));
        assertEquals(0, check(f), err());
        assertEquals("", err());
        assertTrue(out().contains("TCP  10.0.0.1:80 rr"), out());
        assertTrue(out().contains("-> 192.168.1.2:80") && out().contains("-> 192.168.1.3:80"), out());
        final Path mixed = dir.resolve("mixed.rules");
        Files.write(mixed, "-A -t 10.0.0.1:80 -s rr\r\n-a -t 10.0.0.1:80 -r 192.168.1.2:80 -m\r-A -u 10.0.0.1:53\n"
            .getBytes(StandardCharsets.US_ASCII));
        assertEquals(0, check(mixed), err());
        assertTrue(out().contains("UDP  10.0.0.1:53 wlc"), out());
    }

    @Test
    void badUtf8NamesTheLineAndByte() throws Exception {
        final Path f = dir.resolve("latin1.rules");
        // line 2 holds an ISO-8859-1 e-acute (0xE9) in a comment: byte offset 24+5, byte 6 of line 2
        final byte[] head = "-A -t 10.0.0.1:80 -s rr\n# caf".getBytes(StandardCharsets.US_ASCII);
        final byte[] bytes = Arrays.copyOf(head, head.length + 2);
        bytes[head.length] = (byte) 0xE9;
        bytes[head.length + 1] = '\n';
        Files.write(f, bytes);
        assertEquals(2, check(f));
        assertEquals("", out());
        assertEquals(f + ": line 2: " + f + ": byte 0xE9 at byte offset 29 (byte 6 of the line) is not valid UTF-8 "
            + "(expected: a UTF-8 text file)\n", err());
    }

    @Test
    void mutatedFilesPassOrNameALine() throws Exception {
        final Path sorry = Files.writeString(dir.resolve("sorry.txt"), "sorry\n");
        final List<String> corpus = List.of(
            "# web\n-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 192.168.1.2:80 -m -w 3\n"
                + "-a -t 10.0.0.1:80 -r 192.168.1.3:80 -m -w 1 -x 100 -y 50\n--set 900 120 300\n",
            "-A -t 10.0.0.1:443 -s mh -p 60 -M 255.255.255.0 -b mh-fallback,mh-port --check http "
                + "--http-path /health --http-status 200-299,301 --rise 2 --fall 3 --check-interval 500\n"
                + "-a -t 10.0.0.1:443 -r 192.168.1.4:8443 -m -w 2 --proxy-protocol v2\n"
                + "-a -t 10.0.0.1:443 -r 192.168.1.5 -g\n-e -t 10.0.0.1:443 -r 192.168.1.4:8443 -m -w 0\n",
            "-A -u 10.0.0.1:53 -s rr -o --check udp --udp-send ping --udp-expect pong\n"
                + "-a -u 10.0.0.1:53 -r 192.168.1.2:53 -m\n-A -t [2001:db8::1]:443 -s sh -b sh-port\n"
                + "-a -t [2001:db8::1]:443 -r [2001:db8::10]:8443 -m -w 2\n-D -u 10.0.0.1:53\n",
            "-A -t 10.0.0.2:25 -s lc --max-conns 100 --sorry-file " + sorry
                + " --shutdown-sessions --on-down inhibit --quorum 1 --check tcp --check-port 26\n"
                + "-a -t 10.0.0.2:25 -r 192.168.1.2:25 -m -x 10\n-d -t 10.0.0.2:25 -r 192.168.1.2:25\n-C\n"
                + "-A -t 0.0.0.0:8080 -s fo\n-a -t 0.0.0.0:8080 -r 10.1.1.1:8080 -m -w 9\n");
        for (int i = 0; i < corpus.size(); i++) {
            final Path f = dir.resolve("seed-" + i + ".rules");
            Files.writeString(f, corpus.get(i));
            assertEquals(0, check(f), () -> "seed " + err());
        }
        final Random random = new Random(SEED);
        int passed = 0;
        int refused = 0;
        for (int n = 0; n < FILES; n++) {
            byte[] bytes = corpus.get(random.nextInt(corpus.size())).getBytes(StandardCharsets.UTF_8);
            final int mutations = 1 + random.nextInt(3);
            for (int m = 0; m < mutations; m++) {
                bytes = mutate(bytes, random);
            }
            final Path f = dir.resolve("m" + n + ".rules");
            Files.write(f, bytes);
            final byte[] written = bytes;
            final int status = check(f);
            final String err = err();
            assertFalse(err.contains("Exception") || err.contains("\tat "), () -> "stack trace for " + f + ":\n"
                + err);
            if (status == 0) {
                passed++;
                for (final String l : err.split("\n")) {
                    assertTrue(l.isEmpty() || l.startsWith("warning: "), () -> "status 0 with " + err);
                }
            } else if (status == 2) {
                refused++;
                final String[] lines = err.split("\n");
                assertTrue(lines.length > 0 && !lines[0].isEmpty(), "status 2 without a message");
                for (final String l : lines) {
                    if (l.startsWith("warning: ")) {
                        continue;
                    }
                    assertTrue(l.startsWith(f + ": ") && LINE.matcher(l.substring(f.toString().length() + 2))
                        .matches(), () -> "an error without its line: '" + l + "' for " + show(written));
                }
            } else {
                fail("status " + status + " for " + f + ": " + err);
            }
        }
        assertTrue(passed > FILES / 20, "too few mutated files pass (" + passed + ")");
        assertTrue(refused > FILES / 5, "too few mutated files are refused (" + refused + ")");
    }

    private static String show(final byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1) + "\n" + Arrays.toString(b);
    }

    private static final String[] TOKENS = {"-A", "-E", "-D", "-a", "-e", "-d", "-C", "--set", "-t", "-u", "-f", "-r",
        "-s", "-p", "-M", "-w", "-x", "-y", "-m", "-g", "-i", "--check", "--max-conns", "--sorry-server", "0", "-1",
        "65536", "2147483648", "99999999999999999999", "0.0.0.0:80", "[::1]:80", "[2001:db8::1", "999.1.1.1", "#",
        "=", "--", "-", "caf\u00e9", "\u0000", "\t", "--check=", "-tu", "[]:80"};

    private static byte[] mutate(final byte[] in, final Random r) {
        final String text = new String(in, StandardCharsets.ISO_8859_1);
        switch (r.nextInt(8)) {
            case 0: { // flip a bit
                if (in.length == 0) {
                    return in;
                }
                final byte[] out = in.clone();
                out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
                return out;
            }
            case 1: { // insert a byte, often a non-ASCII or control one
                final byte[] out = Arrays.copyOf(in, in.length + 1);
                final int at = r.nextInt(out.length);
                System.arraycopy(in, at, out, at + 1, in.length - at);
                final byte[] specials = {(byte) 0x80, (byte) 0xC3, (byte) 0xE9, (byte) 0xFF, 0, '\r', '\n', ' ', '#',
                    '-', ':', '['};
                out[at] = r.nextBoolean() ? specials[r.nextInt(specials.length)] : (byte) r.nextInt(256);
                return out;
            }
            case 2: // truncate
                return Arrays.copyOf(in, in.length == 0 ? 0 : r.nextInt(in.length));
            case 3: { // line ends: every LF becomes CR, CRLF or stays
                final StringBuilder sb = new StringBuilder();
                for (final char c : text.toCharArray()) {
                    sb.append(c == '\n' ? new String[] {"\n", "\r", "\r\n"}[r.nextInt(3)] : String.valueOf(c));
                }
                return latin1(sb.toString());
            }
            default:
                return latin1(tokens(text, r));
        }
    }

    private static String tokens(final String text, final Random r) {
        final String[] lines = text.split("\n", -1);
        final int li = r.nextInt(lines.length);
        final List<String> t = new ArrayList<>(Arrays.asList(lines[li].split(" ", -1)));
        final int at = r.nextInt(t.size());
        switch (r.nextInt(4)) {
            case 0:
                t.add(at, t.get(at));
                break;
            case 1:
                t.remove(at);
                break;
            case 2:
                t.set(at, t.get(at).replaceFirst("[0-9]+", new String[] {"-1", "4294967296", "0x10", "1e3"}
                    [r.nextInt(4)]));
                break;
            default:
                t.add(at, TOKENS[r.nextInt(TOKENS.length)]);
                break;
        }
        lines[li] = String.join(" ", t);
        return String.join("\n", lines);
    }

    private static byte[] latin1(final String s) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c < 256) {
                out.write(c);
            } else {
                final byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toByteArray();
    }
}
