package io.jlvs.core.conn;

import io.jlvs.core.net.Protocol;
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
 * <p>Applications see it as a read-only {@link PersistenceView}.
 *
 * <p>Thread-safe and lock-free (a concurrent map; templates attach connections by compare-and-set).
 */
public final class PersistenceTable implements PersistenceView {
    private final ConcurrentHashMap<TemplateKey, Template> templates = new ConcurrentHashMap<>();
    private volatile boolean expireQuiescentTemplate;
    private final PersistenceView readOnly = new ReadOnly(this);

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
    @Override
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
    @Override
    public List<Template> templates() {
        return new ArrayList<>(templates.values());
    }

    /**
     * How many templates currently match.
     *
     * @return the count
     */
    @Override
    public int size() {
        return templates.size();
    }

    // ---- state sync (io.jlvs.core.sync): export on a master, import on a backup ----

    /**
     * How long a template has left: until its last refresh plus its timeout, and at least the 60 s re-arm while it
     * still controls connections (it cannot expire before they end). For a sync master.
     *
     * @param t the template
     * @param now the current time of the director's clock
     * @return nanoseconds, 0 when due
     */
    public static long remainingNs(final Template t, final long now) {
        final long left = Math.max(0, t.refreshedAtNs + t.timeoutNs - now);
        return t.controls.get() > 0 ? Math.max(left, Template.REARM_NS) : left;
    }

    /**
     * Imports a template a sync master sent: it matches new connections of its network at once, as one this
     * director created would, and expires {@code remainingNs} from now unless a connection refreshes it. An imported
     * template belongs to no event loop: {@link #expireImported} times it out. A template already in the table that
     * this director created itself is kept (its own decision is newer); an imported one is replaced.
     *
     * @param key the template's key
     * @param service the service (of this director)
     * @param server the real server (a member of that service)
     * @param remainingNs how long it has left
     * @param assured whether it was ASSURED on the master
     * @param now the current time of the director's clock
     * @return the imported template, or null if the table kept its own
     */
    public Template importTemplate(final TemplateKey key, final VirtualService service, final RealServer server,
        final long remainingNs, final boolean assured, final long now) {
        final long timeout = Math.max(service.config().persistenceSeconds() * 1_000_000_000L, remainingNs);
        final Template t = new Template(key, service, server, null, now + remainingNs - timeout, timeout);
        t.assured = assured;
        while (true) {
            final Template prev = templates.get(key);
            if (prev == null) {
                if (templates.putIfAbsent(key, t) == null) {
                    server.bindTemplate();
                    return t;
                }
            } else if (prev.owner != null) {
                return null;
            } else if (prev.server == server && prev.controls.get() >= 0) {
                // the same choice: refresh the one in place (connections may be attached to it)
                prev.timeoutNs = timeout;
                prev.refreshedAtNs = now + remainingNs - timeout;
                prev.assured |= assured;
                return prev;
            } else if (prev.controls.compareAndSet(0, -1) || prev.controls.get() < 0) {
                if (templates.replace(key, prev, t)) {
                    prev.server.unbindTemplate();
                    server.bindTemplate();
                    return t;
                }
            } else {
                return prev; // the old choice still controls live connections: it stays until they end
            }
        }
    }

    /**
     * Expires imported templates that are due: those that control no connection are removed; those that still do are
     * re-armed for 60 s, as an event loop does with its own. Call it about once a second from any one thread.
     *
     * @param now the current time of the director's clock
     * @return how many were removed
     */
    public int expireImported(final long now) {
        int n = 0;
        for (final Template t : templates.values()) {
            if (t.owner != null || now - (t.refreshedAtNs + t.timeoutNs) < 0) {
                continue;
            }
            if (t.controls.compareAndSet(0, -1)) {
                if (templates.remove(t.key, t)) {
                    t.server.unbindTemplate();
                    n++;
                }
            } else if (t.controls.get() > 0) {
                t.timeoutNs = Template.REARM_NS;
                t.refreshedAtNs = now;
            }
        }
        return n;
    }

    /**
     * The imported templates that currently match (for a backup's {@code -Lnc}).
     *
     * @return a copy
     */
    @Override
    public List<Template> importedTemplates() {
        final List<Template> l = new ArrayList<>();
        for (final Template t : templates.values()) {
            if (t.owner == null) {
                l.add(t);
            }
        }
        return l;
    }

    /**
     * This table as a read-only view that cannot be cast back to the table: what applications are given.
     *
     * @return the view (always the same object)
     */
    public PersistenceView readOnly() {
        return readOnly;
    }

    /** The read-only view: every read delegates to the table, nothing else is reachable. Thread-safe as the table. */
    private static final class ReadOnly implements PersistenceView {
        private final PersistenceTable table;

        ReadOnly(final PersistenceTable table) {
            this.table = table;
        }

        @Override
        public List<Template> templates() {
            return table.templates();
        }

        @Override
        public List<Template> importedTemplates() {
            return table.importedTemplates();
        }

        @Override
        public int size() {
            return table.size();
        }

        @Override
        public boolean expireQuiescentTemplate() {
            return table.expireQuiescentTemplate();
        }

        @Override
        public String toString() {
            return "read-only persistence table, " + table.size() + " templates";
        }
    }
}
