package io.jlvs.core.sched;

import io.jlvs.core.net.Addresses;
import io.jlvs.core.net.Protocol;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class MutableFlowTest {
    @Test
    void aFoldedIpv6FlowSchedulesLikeOneWithTheAddressObject() throws Exception {
        final InetAddress client = InetAddress.getByName("2001:db8::17:2");
        final InetAddress virtual = InetAddress.getByName("2001:db8::80");
        final MutableFlow full = new MutableFlow().set(Protocol.UDP, client, 5353, virtual, 53);
        final MutableFlow folded = new MutableFlow().setFolded(Protocol.UDP, Addresses.fold(client), 5353, virtual,
            Addresses.fold(virtual), 53);
        assertEquals(full.protocol(), folded.protocol());
        assertEquals(full.clientAddressFold(), folded.clientAddressFold());
        assertEquals(full.clientPort(), folded.clientPort());
        assertEquals(full.key(), folded.key(), "the key hashing schedulers use");
        assertSame(virtual, folded.virtualAddress(), "the locality schedulers key IPv6 by the virtual address");
        assertEquals(full.virtualAddressFold(), folded.virtualAddressFold());
        assertEquals(full.virtualPort(), folded.virtualPort());
        assertNull(folded.clientAddress());
        assertEquals(0x20010db8 ^ 0 ^ 0 ^ 0x00170002, folded.clientAddressFold());
    }
}
