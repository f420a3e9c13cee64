package io.jlvs.core;

import io.jlvs.core.net.Protocol;

import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.conn.PersistenceTable;
import io.jlvs.core.conn.PersistenceView;
import io.jlvs.core.internal.DirectorAccess;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.ServiceTableView;
import io.jlvs.core.service.TestSchedulers;
import io.jlvs.core.service.VirtualService;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link LoadBalancer#services()} and {@link LoadBalancer#persistence()} are read-only views of the live tables:
 * they follow every change made through the load balancer, and cannot be cast back to the tables that change.
 * {@link DirectorAccess} is the internal route to the live objects.
 */
class ReadOnlyViewsTest {
    private static final ServiceKey WEB = ServiceKey.tcp("10.0.0.1", 80);

    private static LoadBalancer director() {
        return LoadBalancer.builder().schedulerRegistry(TestSchedulers.registry(null, "rr"))
            .rules("-A -t 10.0.0.1:80 -s rr -p 300\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 1\n").build();
    }

    @Test
    void servicesIsAReadOnlyViewThatFollowsTheLiveTable() throws Exception {
        final LoadBalancer lb = director();
        final ServiceTableView view = lb.services();
        assertFalse(view instanceof ServiceTable, "the view must not be the table itself: " + view.getClass());
        assertSame(view, lb.services(), "one view per director");
        assertEquals(1, view.services().size());
        assertEquals(1, view.service(WEB).members().size());

        final List<String> heard = new ArrayList<>();
        view.addListener(new ServiceTable.Listener() {
            @Override
            public void serversChanged(final VirtualService service) {
                heard.add(service == null ? "timeouts" : service.key().toString());
            }
        });
        lb.addServer(WEB, RealServerConfig.builder("10.0.1.2", 80).weight(3).build());
        assertEquals(2, view.service(WEB).members().size(), "a server added through the director is seen");
        assertEquals(3, view.service(WEB).members().get(0).weight());
        assertSame(view.service(WEB), view.lookup(Protocol.TCP, InetAddress.getByName("10.0.0.1"), 80));
        assertEquals(List.of(WEB.toString()), heard, "listeners added through the view hear changes");
        lb.deleteService(WEB);
        assertNull(view.service(WEB));
        assertEquals(0, view.services().size());
        assertEquals(0, view.config().services().size());
    }

    @Test
    void internalAccessReachesTheLiveTablesBehindTheViews() {
        final LoadBalancer lb = director();
        final ServiceTable live = DirectorAccess.services(lb);
        assertSame(lb.services(), live.readOnly());
        final PersistenceTable templates = DirectorAccess.persistence(lb);
        final PersistenceView view = lb.persistence();
        assertFalse(view instanceof PersistenceTable, "the view must not be the table itself: " + view.getClass());
        assertSame(view, templates.readOnly());
        assertEquals(0, view.size());
        final VirtualService web = lb.services().service(WEB);
        templates.importTemplate(PersistenceTable.key(web, Protocol.TCP, new byte[] {10, 9, 0, 1},
            new byte[] {10, 0, 0, 1}, 80), web, web.members().get(0), 60_000_000_000L, true, 0);
        assertEquals(1, view.size(), "a template imported into the live table is seen through the view");
        assertEquals(1, view.importedTemplates().size());
        assertSame(web.members().get(0), view.templates().get(0).server());
        assertNull(DirectorAccess.engine(lb), "no engine before start");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> DirectorAccess.services("not a director"));
        assertEquals("loadBalancer: java.lang.String (expected: io.jlvs.core.LoadBalancer)", e.getMessage());
    }
}
