package io.jlvs.jmh.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class JlvsFrontTest {
    @Test
    void shouldFindTheNioTransportByName() {
        assertEquals("nio", JlvsFront.transport("nio").name());
    }

    @Test
    void shouldRefuseATransportThatIsNotOnTheClassPathNamingThoseThatAre() {
        assertEquals("--transport epoll: no such transport on the class path (there is nio)",
            assertThrows(IllegalArgumentException.class, () -> JlvsFront.transport("epoll")).getMessage());
    }
}
