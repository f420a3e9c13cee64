package io.jlvs.core.rules;

import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.Extensions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded-random property test: valid rules files, mutated (bit flips, random bytes, truncation, duplicated, removed
 * and swapped tokens, huge and negative numbers, CR/LF/CRLF mixes, non-UTF-8 bytes, random options), either load
 * or fail with a {@link RulesException} whose every message names a line; never any other exception. What loads
 * saves and loads back to the same configuration.
 */
class MutatedRulesTest {
    private static final long SEED = Long.getLong("fuzz.seed", 0x4a4c5653L); // "JLVS"
    private static final int ROUNDS = Integer.getInteger("fuzz.rounds", 4_000);
    private static final Pattern LINE_MESSAGE = Pattern.compile("line [0-9]+: .+", Pattern.DOTALL);
    private static final DirectorConfig.Checks CHECKS = DirectorConfig.Checks.of(Set.of("rr", "wrr", "lc", "wlc",
        "sed", "nq", "dh", "sh", "lblc", "lblcr", "mh", "fo", "ovf", "twos")::contains);
    private static final String[] TOKENS = {"-A", "-E", "-D", "-a", "-e", "-d", "-C", "--set", "-L", "-Z", "-S", "-R",
        "-t", "-u", "-f", "-r", "-s", "-p", "-M", "-w", "-x", "-y", "-m", "-g", "-i", "-o", "-b", "-n", "-6", "--pe",
        "--tun-type", "gue", "--tun-port", "--tun-csum", "--check", "--check-interval", "--sorry-server", "--rise",
        "--max-conns", "--accept-proxy", "--proxy-protocol", "--http-status", "--shutdown-sessions", "--slow-start",
        "--sorry-file", "--quorum", "--on-down", "--check-initial", "v1", "v3", "none", "rr", "mh", "sh",
        "sh-fallback,sh-port", "mh-fallback", "0", "1", "-1", "65535", "65536", "2147483647", "2147483648",
        "99999999999999999999", "0.0.0.0:80", "127.0.0.1", "10.0.0.1:80", "10.0.0.2:0", "[::1]:80", "[::]:80",
        "::1", "[2001:db8::1", "255.255.255.0", "128", "10.0.0.0/8,127.0.0.1/32", "200-299,301", "#", "=", ":",
        "--weight=3", "--scheduler=", "-pM", "-Ln", "\t", "caf\u00e9", "\u0661\u0662", "\u0000",
        "fe80::1%eth0", "[fe80::1%1]:80", "::ffff:127.0.0.1", "[::ffff:10.0.0.1]:80", "1.2.3.4.5", "999.1.1.1",
        "-A=", "--=", "---", "--", "-", "--check=", "--sorry-server=[::1]:0", "--http-status=599-100", "-p=",
        "-x=1", "-M=0.0.0.0", "--set=1", "\uff11\uff12", "-w\uff15", "-tu", "-at", "-s=", "[]:80", "[:80"};
    private static final String[] NUMBERS = {"0", "-0", "-1", "00000000001", "4294967296", "2147483648",
        "9223372036854775808", "99999999999999999999999999", "1e3", "0x10", "+5", "\u0665"};

    @TempDir
    static Path dir;

    private static List<String> corpus() throws IOException {
        final Path sorry = Files.writeString(dir.resolve("sorry.txt"), "sorry\n");
        return List.of(
            "# web\n-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 192.168.1.2:80 -m -w 3\n"
                + "-a -t 10.0.0.1:80 -r 192.168.1.3:80 -m -w 1 -x 100 -y 50\n--set 900 120 300\n",
            "-A -t 10.0.0.1:443 -s mh -p 60 -M 255.255.255.0 -b mh-fallback,mh-port --check http --http-path /health "
                + "--http-status 200-299,301 --rise 2 --fall 3 --check-interval 500 --sorry-server 10.0.0.9:8080\n"
                + "-a -t 10.0.0.1:443 -r 192.168.1.4:8443 -m -w 2 --proxy-protocol v2\n"
                + "-a -t 10.0.0.1:443 -r 192.168.1.5 -g\n-e -t 10.0.0.1:443 -r 192.168.1.4:8443 -m -w 0\n",
            "-A -u 10.0.0.1:53 -s rr -o --check udp --udp-send ping --udp-expect pong\n"
                + "-a -u 10.0.0.1:53 -r 192.168.1.2:53 -m\n-A -t [2001:db8::1]:443 -s sh -b sh-port\n"
                + "-a -t [2001:db8::1]:443 -r [2001:db8::10]:8443 -m -w 2\n-D -u 10.0.0.1:53\n",
            "-A -t 10.0.0.2:25 -s lc --max-conns 100 --accept-proxy 10.0.0.0/8,127.0.0.1/32 --sorry-file " + sorry
                + " --shutdown-sessions --on-down inhibit --quorum 1 --slow-start 1000 --check tcp --check-port 26\n"
                + "-a -t 10.0.0.2:25 -r 192.168.1.2:25 -m -x 10\n-d -t 10.0.0.2:25 -r 192.168.1.2:25\n-C\n"
                + "-A -t 0.0.0.0:8080 -s fo\n-a -t 0.0.0.0:8080 -r 10.1.1.1:8080 -m -w 9\n");
    }

    @Test
    @Timeout(600)
    void shouldLoadOrNameALineForEveryMutation() throws IOException {
        final RulesParser parser = RulesParser.withExtensions(Extensions.transport());
        final List<String> corpus = corpus();
        for (final String valid : corpus) {
            parser.load(valid, DirectorConfig.EMPTY, CHECKS); // every seed file is valid
        }
        final Random random = new Random(SEED);
        int loaded = 0;
        int refused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] mutated = corpus.get(random.nextInt(corpus.size())).getBytes(StandardCharsets.UTF_8);
            final int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                mutated = mutate(mutated, random);
            }
            final byte[] bytes = mutated;
            try {
                final String text = RulesParser.decode(bytes, "fuzz");
                final RulesParser.Loaded l = parser.load(text, DirectorConfig.EMPTY, CHECKS);
                final String saved = RulesWriter.save(l.config());
                assertEquals(l.config(), parser.load(saved, DirectorConfig.EMPTY, CHECKS).config(),
                    () -> "saved rules do not load back the same for input " + show(bytes) + "\nsaved:\n" + saved);
                for (final String line : text.split("\r\n|\r|\n", -1)) {
                    parser.parseLine(line, 1); // the admin path: one line at a time
                }
                loaded++;
            } catch (final RulesException e) {
                assertTrue(!e.errors().isEmpty(), "an exception without messages");
                for (final String msg : e.errors()) {
                    if (!LINE_MESSAGE.matcher(msg).matches()) {
                        fail("message without a line: '" + msg + "' for input " + show(bytes));
                    }
                }
                refused++;
            } catch (final RuntimeException e) {
                throw new AssertionError("round " + round + ": " + e + " for input " + show(bytes), e);
            }
        }
        assertTrue(loaded > ROUNDS / 20, "too few mutations load (" + loaded + "): the mutations are too coarse");
        assertTrue(refused > ROUNDS / 5, "too few mutations are refused (" + refused + ")");
    }

    private static String show(final byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n\n") + "\n"
            + Arrays.toString(b);
    }

    private static byte[] mutate(final byte[] in, final Random r) {
        final String text = new String(in, StandardCharsets.ISO_8859_1);
        switch (r.nextInt(11)) {
            case 0: { // flip a bit
                if (in.length == 0) {
                    return in;
                }
                final byte[] out = in.clone();
                out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
                return out;
            }
            case 1: { // a random byte, often a non-ASCII or control one
                final byte[] out = Arrays.copyOf(in, in.length + 1);
                final int at = r.nextInt(out.length);
                System.arraycopy(in, at, out, at + 1, in.length - at);
                final byte[] specials = {(byte) 0x80, (byte) 0xC3, (byte) 0xE2, (byte) 0xFF, (byte) 0xFE, 0, '\r', '\n',
                    '\t', ' ', '#', '-', ':', '[', ']', '=', ','};
                out[at] = r.nextBoolean() ? specials[r.nextInt(specials.length)] : (byte) r.nextInt(256);
                return out;
            }
            case 2: // truncate
                return Arrays.copyOf(in, in.length == 0 ? 0 : r.nextInt(in.length));
            case 3:
                return latin1(CrLf.mix(text, r));
            default:
                return latin1(tokens(text, r));
        }
    }

    private static byte[] latin1(final String s) {
        // tokens may hold non-Latin-1 characters: encode them as UTF-8 and the rest byte for byte
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
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

    private static String tokens(final String text, final Random r) {
        final String[] lines = text.split("\n", -1);
        final int li = r.nextInt(lines.length);
        final List<String> t = new ArrayList<>(Arrays.asList(lines[li].split(" ", -1)));
        final int at = r.nextInt(t.size());
        switch (r.nextInt(6)) {
            case 0:
                t.add(at, t.get(at)); // duplicate
                break;
            case 1:
                t.remove(at); // remove
                break;
            case 2: { // swap
                final int other = r.nextInt(t.size());
                final String x = t.get(at);
                t.set(at, t.get(other));
                t.set(other, x);
                break;
            }
            case 3: // a huge or odd number in place of a number (or any token)
                t.set(at, t.get(at).matches(".*[0-9].*") && r.nextBoolean()
                    ? t.get(at).replaceFirst("[0-9]+", NUMBERS[r.nextInt(NUMBERS.length)])
                    : NUMBERS[r.nextInt(NUMBERS.length)]);
                break;
            case 4: // a random token
                t.add(at, TOKENS[r.nextInt(TOKENS.length)]);
                break;
            default: { // duplicate or drop a whole line
                final List<String> all = new ArrayList<>(Arrays.asList(lines));
                if (r.nextBoolean()) {
                    all.add(li, lines[li]);
                } else {
                    all.remove(li);
                }
                return String.join("\n", all);
            }
        }
        lines[li] = String.join(" ", t);
        return String.join("\n", lines);
    }

    /** Line-end mixes. */
    private static final class CrLf {
        static String mix(final String text, final Random r) {
            final StringBuilder sb = new StringBuilder();
            for (int i = 0; i < text.length(); i++) {
                final char c = text.charAt(i);
                if (c == '\n') {
                    final int k = r.nextInt(4);
                    sb.append(k == 0 ? "\n" : k == 1 ? "\r\n" : k == 2 ? "\r" : "\n\r");
                } else {
                    sb.append(c);
                }
            }
            return sb.toString();
        }
    }
}
