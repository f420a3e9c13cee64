package io.jlvs.core;

import io.jlvs.core.net.Protocol;

import io.jlvs.core.transport.DirectorRuntime;
import io.jlvs.core.transport.Transport;
import io.jlvs.core.transport.TransportEngine;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The transport choice: by name, or auto by availability and priority; every refusal names why. */
class TransportChoiceTest {
    private static Transport fake(final String name, final int priority, final String unavailable) {
        return new Transport() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String unavailableReason() {
                return unavailable;
            }

            @Override
            public int priority() {
                return priority;
            }

            @Override
            public TransportEngine start(final DirectorRuntime runtime) {
                throw new UnsupportedOperationException("not started in this test");
            }
        };
    }

    private static final Transport NIO = fake("nio", 0, null);
    private static final Transport EPOLL = fake("epoll", 10, null);
    private static final Transport EPOLL_NO_ACCESS = fake("epoll", 10, "native access is not enabled");

    @Test
    void autoPrefersTheAvailableTransportOfHighestPriority() throws IOException {
        assertSame(EPOLL, TransportChoice.choose("auto", new TransportChoice.Found(List.of(NIO, EPOLL), List.of())));
        assertSame(EPOLL, TransportChoice.choose("auto", new TransportChoice.Found(List.of(EPOLL, NIO), List.of())));
    }

    @Test
    void autoSkipsATransportThatCannotRunOrCouldNotLoad() throws IOException {
        assertSame(NIO, TransportChoice.choose("auto", new TransportChoice.Found(List.of(EPOLL_NO_ACCESS, NIO),
            List.of())));
        assertSame(NIO, TransportChoice.choose("auto", new TransportChoice.Found(List.of(NIO),
            List.of("java.lang.UnsupportedClassVersionError: EpollTransport (class file version 66.0)"))));
    }

    @Test
    void autoSkipsATransportThatDoesNotCarryAProtocolInUse() throws IOException {
        final Transport tcpOnly = new Transport() {
            @Override
            public String name() {
                return "epoll";
            }

            @Override
            public boolean supports(final Protocol protocol) {
                return protocol == Protocol.TCP;
            }

            @Override
            public int priority() {
                return 10;
            }

            @Override
            public TransportEngine start(final DirectorRuntime runtime) {
                throw new UnsupportedOperationException("not started in this test");
            }
        };
        final TransportChoice.Found found = new TransportChoice.Found(List.of(NIO, tcpOnly), List.of());
        assertSame(tcpOnly, TransportChoice.choose("auto", found, Set.of(Protocol.TCP)));
        assertSame(NIO, TransportChoice.choose("auto", found, Set.of(Protocol.TCP, Protocol.UDP)));
    }

    @Test
    void autoWithNothingThatCanRunNamesWhatWasSkipped() {
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> TransportChoice.choose("auto",
            new TransportChoice.Found(List.of(EPOLL_NO_ACCESS), List.of())));
        assertTrue(e.getMessage().contains("epoll: native access is not enabled"), e.getMessage());
    }

    @Test
    void aNamedTransportIsTakenEvenAtLowerPriority() throws IOException {
        assertSame(NIO, TransportChoice.choose("nio", new TransportChoice.Found(List.of(EPOLL, NIO), List.of())));
    }

    @Test
    void aNamedTransportThatCannotRunOrIsMissingFailsWithTheReason() {
        final IOException a = assertThrows(IOException.class, () -> TransportChoice.choose("epoll",
            new TransportChoice.Found(List.of(NIO, EPOLL_NO_ACCESS), List.of())));
        assertEquals("transport epoll cannot run here: native access is not enabled", a.getMessage());
        final IOException b = assertThrows(IOException.class, () -> TransportChoice.choose("epoll",
            new TransportChoice.Found(List.of(NIO), List.of("java.lang.UnsupportedClassVersionError: x"))));
        assertTrue(b.getMessage().startsWith("transport epoll is not on the class path (found: [nio]; could not load:"),
            b.getMessage());
    }

    @Test
    void theBuilderRefusesAnUnknownNameAndNamesTheChoices() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> LoadBalancer.builder().transport("iouring"));
        assertEquals("transport 'iouring' (expected one of nio, epoll, auto)", e.getMessage());
        LoadBalancer.builder().transport("EPOLL").transport("nio").transport("auto");
    }
}
