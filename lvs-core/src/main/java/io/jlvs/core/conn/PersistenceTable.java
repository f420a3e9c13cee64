package io.jlvs.core.conn;

import io.jlvs.core.Protocol;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The persistence templates of a director, shared by all its event loops, so a client network sticks to its real
 * server whichever loop accepts its connections.
 *
 * <p>Rules (IPVS.md 3.7): a valid template sends a new connection to its server whatever that server's weight or
 * OVERLOAD; a template whose server is no longer available (removed, or marked down) is invalidated on its next use
 * and a new pick is made; with {@code expire_quiescent_template} a server of weight 0 invalidates it too. Each new
 * connection refreshes the template's timer.
 *
 * <p>Thread-safe and lock-free (a concurrent map; templates attach connections by compare-and-set).
 */
public final class PersistenceTable {
    private final ConcurrentHashMap<TemplateKey, Template> templates = new ConcurrentHashMap<>();
    private volatile boolean expireQuiescentTemplate;

    /**
     * Makes an empty table.
     */
    public PersistenceTable() {
    }

    /**
     * Sets IPVS's {@code expire_quiescent_template}: a template whose server has weight 0 no longer matches.
     *
     * @param on the setting (default off)
     */
    public void expireQuiescentTemplate(final boolean on) {
        this.expireQuiescentTemplate = on;
    }

    /**
     * The current {@code expire_quiescent_template} setting.
     *
     * @return the setting
     */
    public boolean expireQuiescentTemplate() {
        return expireQuiescentTemplate;
    }

    /**
     * The key for a connection to a persistent service.
     *
     * @param service the service
     * @param protocol the protocol
     * @param client the client's address bytes
     * @param virtual the virtual address bytes
     * @param virtualPort the virtual port the client connected to
     * @return the key
     */
    public static TemplateKey key(final VirtualService service, final Protocol protocol, final byte[] client,
        final byte[] virtual, final int virtualPort) {
        final VirtualServiceConfig c = service.config();
        final byte[] net;
        if (client.length == 4) {
            final int masked = Addresses.fold(client) & c.netmask();
            net = new byte[] {(byte) (masked >>> 24), (byte) (masked >>> 16), (byte) (masked >>> 8), (byte) masked};
        } else {
            net = Addresses.mask(client, c.netmask());
        }
        final int svcPort = c.key().port();
        final int port = virtualPort == svcPort && svcPort != 21 ? svcPort : 0;
        return new TemplateKey(protocol, net, virtual, port);
    }

    private boolean valid(final Template t) {
        final RealServer s = t.server;
        return s.isAvailable() && !(expireQuiescentTemplate && s.weight() == 0);
    }

    /**
     * Finds a valid template and attaches a connection to it; an invalid one is unhooked so it no longer matches.
     *
     * @param key the key
     * @param now the current time, to refresh the template
     * @return the template with one more controlled connection, or null
     */
    public Template attach(final TemplateKey key, final long now) {
        while (true) {
            final Template t = templates.get(key);
            if (t == null) {
                return null;
            }
            if (!valid(t)) {
                t.invalidated = true;
                templates.remove(key, t);
                return null;
            }
            if (t.tryAttach()) {
                t.refreshedAtNs = now;
                return t;
            }
            templates.remove(key, t); // it just expired: look again
        }
    }

    /**
     * Creates a template for a freshly scheduled server with one attached connection, unless a concurrent
     * connection of the same network created one first: then that one is attached (if valid) and returned.
     *
     * @param key the key
     * @param service the service
     * @param server the server the scheduler picked
     * @param owner the loop's table that will time it out
     * @param now the current time
     * @return the attached template
     */
    Template create(final TemplateKey key, final VirtualService service, final RealServer server,
        final ConnectionTable owner, final long now) {
        final Template t = new Template(key, service, server, owner, now,
            service.config().persistenceSeconds() * 1_000_000_000L);
        t.controls.set(1);
        while (true) {
            final Template prev = templates.putIfAbsent(key, t);
            if (prev == null) {
                server.bindTemplate();
                owner.trackTemplate(t);
                return t;
            }
            final Template other = attach(key, now);
            if (other != null) {
                return other;
            }
        }
    }

    void removeExpired(final Template t) {
        templates.remove(t.key, t);
    }

    /**
     * The templates that currently match, for listings and tests.
     *
     * @return a copy
     */
    public List<Template> templates() {
        return new ArrayList<>(templates.values());
    }

    /**
     * How many templates currently match.
     *
     * @return the count
     */
    public int size() {
        return templates.size();
    }
}
