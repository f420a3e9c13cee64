package io.jlvs.jmh.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BenchTest {
    @Test
    void shouldReadTheFeatureOfEveryJavaVersionForm() {
        assertEquals(25, Bench.feature("25.0.1"));
        assertEquals(17, Bench.feature("17.0.13"));
        assertEquals(22, Bench.feature("22"));
        assertEquals(25, Bench.feature("25-ea"));
        assertEquals(8, Bench.feature("1.8.0_402"));
        assertThrows(NumberFormatException.class, () -> Bench.feature("unknown"));
    }

    @Test
    void shouldReadAJlvsFrontWithItsJdkAndSystemProperties() {
        assertEquals(new Bench.JlvsSpec("jlvs-nio-1", 1, "nio", false, List.of()),
            Bench.JlvsSpec.parse("jlvs-nio-1:1:nio"));
        assertEquals(new Bench.JlvsSpec("jlvs-nio25-2", 2, "nio", true, List.of()),
            Bench.JlvsSpec.parse("jlvs-nio25-2:2:nio:25"));
        assertEquals(new Bench.JlvsSpec("jlvs-epoll-splice-1", 1, "epoll", true,
            List.of("-Djlvs.epoll.splice=always")),
            Bench.JlvsSpec.parse("jlvs-epoll-splice-1:1:epoll:25:-Djlvs.epoll.splice=always"));
        // several properties; a value may hold colons; an empty value is a value
        assertEquals(new Bench.JlvsSpec("e", 2, "epoll", true, List.of("-Djlvs.epoll.splice=never",
            "-Djlvs.epoll.pipeBytes=65536", "-Dx.path=/a:/b", "-Dy=")),
            Bench.JlvsSpec.parse("e:2:epoll:25:-Djlvs.epoll.splice=never:-Djlvs.epoll.pipeBytes=65536"
                + ":-Dx.path=/a:/b:-Dy="));
        // properties on the driver's JDK
        assertEquals(new Bench.JlvsSpec("n", 1, "nio", false, List.of("-Dk=v")), Bench.JlvsSpec.parse("n:1:nio:-Dk=v"));
    }

    @Test
    void shouldNameTheWrongPartOfAJlvsFront() {
        final String form = " (expected NAME:LOOPS:TRANSPORT[:25][:-Dname=value...], e.g. "
            + "jlvs-epoll-splice-1:1:epoll:25:-Djlvs.epoll.splice=always)";
        assertEquals("--jlvs-front a:1: 2 parts, expected NAME:LOOPS:TRANSPORT[:25][:-Dname=value...], e.g. "
            + "jlvs-epoll-splice-1:1:epoll:25:-Djlvs.epoll.splice=always", message("a:1"));
        assertEquals("--jlvs-front a:0:epoll: LOOPS '0' is not an event loop count from 1 to 999" + form,
            message("a:0:epoll"));
        assertEquals("--jlvs-front a:x:epoll: LOOPS 'x' is not an event loop count from 1 to 999" + form,
            message("a:x:epoll"));
        assertEquals("--jlvs-front a b:1:epoll: NAME 'a b' must be letters, digits, '.', '_' or '-'" + form,
            message("a b:1:epoll"));
        assertEquals("--jlvs-front a:1::25: TRANSPORT '' is not a transport name such as nio or epoll" + form,
            message("a:1::25"));
        assertEquals("--jlvs-front a:1:epoll:24: '24' is neither 25 nor a system property -Dname=value" + form,
            message("a:1:epoll:24"));
        assertEquals("--jlvs-front a:1:epoll:25:-XX:+UseZGC: '-XX:+UseZGC' is neither 25 nor a system property "
            + "-Dname=value" + form, message("a:1:epoll:25:-XX:+UseZGC"));
        assertEquals("--jlvs-front a:1:epoll:25:-Dk=v:-Dnoequals: '-Dnoequals' is neither 25 nor a system property "
            + "-Dname=value" + form, message("a:1:epoll:25:-Dk=v:-Dnoequals"));
        assertEquals("--jlvs-front a:1:epoll:25:: nothing after '25:'" + form, message("a:1:epoll:25:"));
        assertEquals("--jlvs-front a:1:epoll:: '' is neither 25 nor a system property -Dname=value" + form,
            message("a:1:epoll:"));
    }

    private static String message(final String spec) {
        return assertThrows(IllegalArgumentException.class, () -> Bench.JlvsSpec.parse(spec)).getMessage();
    }
}
