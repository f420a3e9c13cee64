package io.jlvs.examples.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jlvs.core.LoadBalancer;
import io.jlvs.micrometer.JlvsMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The director's operations endpoint, on the JDK's HTTP server: read-only, no authentication, so loopback unless
 * the caller explicitly allows more.
 *
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus text format (0.0.4), produced by Micrometer's Prometheus registry with
 *   {@link JlvsMetrics} and the JVM binders bound;</li>
 *   <li>{@code GET /api/status}: the director as JSON (services, servers, state, counters, rates, last health
 *   check, five minutes of rate history per server);</li>
 *   <li>{@code GET /}: the live status page (one self-contained HTML resource that polls {@code /api/status}).</li>
 * </ul>
 * Anything else is 404; methods other than GET and HEAD are 405. A failing request never affects the director.
 *
 * <pre>{@code
 * OpsHttpServer http = OpsHttpServer.start(lb, OpsHttpServer.parseAddress("127.0.0.1:9100"));
 * ...
 * http.close();
 * }</pre>
 *
 * <p>Thread-safe: requests are served on two daemon threads of its own; the rate history is sampled on a third.
 */
public final class OpsHttpServer implements AutoCloseable {
    /** The CLI flag that allows a non-loopback address. */
    public static final String ALLOW_REMOTE_FLAG = "--http-allow-remote";

    private static final Logger LOG = LoggerFactory.getLogger(OpsHttpServer.class);
    private static final String PAGE = "status.html";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final LoadBalancer lb;
    private final HttpServer server;
    private final ExecutorService workers;
    private final ScheduledExecutorService sampler;
    private final PrometheusMeterRegistry registry;
    private final JlvsMetrics metrics;
    private final JvmGcMetrics gc;
    private final RateHistory history;
    private final byte[] page;
    private final long startedAt = System.currentTimeMillis();
    private final java.util.concurrent.atomic.AtomicLong statusRequests = new java.util.concurrent.atomic.AtomicLong();

    private OpsHttpServer(final LoadBalancer lb, final InetSocketAddress address) throws IOException {
        this.lb = lb;
        this.page = loadPage();
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.metrics = new JlvsMetrics(lb);
        metrics.bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        this.gc = new JvmGcMetrics();
        gc.bindTo(registry);
        this.history = new RateHistory(lb);
        this.server = HttpServer.create(address, 16);
        final AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(2, r -> daemon(r, "jlvs-http-" + n.incrementAndGet()));
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "jlvs-http-history"));
        server.setExecutor(workers);
        server.createContext("/", this::handle);
    }

    private static Thread daemon(final Runnable r, final String name) {
        final Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Serves a director on a loopback address.
     *
     * @param lb the director
     * @param address where to listen; port 0 picks a free one (see {@link #address()})
     * @return the running server
     * @throws IOException if the address cannot be bound
     * @throws IllegalArgumentException if the address is not a loopback address
     */
    public static OpsHttpServer start(final LoadBalancer lb, final InetSocketAddress address) throws IOException {
        return start(lb, address, false);
    }

    /**
     * Serves a director.
     *
     * @param lb the director
     * @param address where to listen; port 0 picks a free one
     * @param allowRemote whether an address other than loopback is accepted (the CLI's {@value #ALLOW_REMOTE_FLAG};
     *     nothing is authenticated, so only behind a firewall)
     * @return the running server
     * @throws IOException if the address cannot be bound
     * @throws IllegalArgumentException if the address is unresolved, or not loopback and remote is not allowed
     */
    public static OpsHttpServer start(final LoadBalancer lb, final InetSocketAddress address,
        final boolean allowRemote) throws IOException {
        Objects.requireNonNull(lb, "lb");
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("--http " + address.getHostString() + ":" + address.getPort()
                + ": unknown host (expected: an IP address or a resolvable name)");
        }
        if (!address.getAddress().isLoopbackAddress() && !allowRemote) {
            throw new IllegalArgumentException("--http " + address.getAddress().getHostAddress() + ":"
                + address.getPort() + ": not a loopback address; the status page and metrics are not "
                + "authenticated (expected: 127.0.0.1 or ::1, or pass " + ALLOW_REMOTE_FLAG
                + " to serve other addresses)");
        }
        final OpsHttpServer s = new OpsHttpServer(lb, address);
        s.sampler.scheduleAtFixedRate(s::sample, 0, RateHistory.INTERVAL_SECONDS, TimeUnit.SECONDS);
        s.server.start();
        LOG.info("HTTP status and metrics on http://{}/ (/metrics, /api/status)", format(s.address()));
        return s;
    }

    /**
     * Parses {@code HOST:PORT} ({@code [v6]:PORT} for IPv6; a bare {@code PORT} means loopback), as the CLI's
     * {@code --http} takes it.
     *
     * @param hostPort the text
     * @return the address, resolved
     * @throws IllegalArgumentException naming the value and what was expected
     */
    public static InetSocketAddress parseAddress(final String hostPort) {
        final String expected = " (expected: HOST:PORT, [IPv6]:PORT or PORT, port 0..65535)";
        if (hostPort == null || hostPort.isBlank()) {
            throw new IllegalArgumentException("--http: empty value" + expected);
        }
        final String host;
        final String port;
        final int colon = hostPort.lastIndexOf(':');
        if (hostPort.startsWith("[")) {
            final int close = hostPort.indexOf(']');
            if (close < 0 || close + 1 >= hostPort.length() || hostPort.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("--http " + hostPort + ": bad address" + expected);
            }
            host = hostPort.substring(1, close);
            port = hostPort.substring(close + 2);
        } else if (colon < 0) {
            host = InetAddress.getLoopbackAddress().getHostAddress();
            port = hostPort;
        } else {
            host = hostPort.substring(0, colon);
            port = hostPort.substring(colon + 1);
        }
        final int p;
        try {
            p = Integer.parseInt(port);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("--http " + hostPort + ": bad port '" + port + "'" + expected, e);
        }
        if (p < 0 || p > 65535 || host.isEmpty()) {
            throw new IllegalArgumentException("--http " + hostPort + ": bad " + (host.isEmpty() ? "host" : "port")
                + expected);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (final UnknownHostException e) {
            throw new IllegalArgumentException("--http " + hostPort + ": unknown host '" + host + "'" + expected, e);
        }
    }

    private static String format(final InetSocketAddress a) {
        final String h = a.getAddress().getHostAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    private static byte[] loadPage() {
        try (InputStream in = OpsHttpServer.class.getResourceAsStream(PAGE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + PAGE + " missing from the class path");
            }
            return in.readAllBytes();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void sample() {
        try {
            history.sample();
        } catch (final RuntimeException e) {
            LOG.warn("rate history sample failed", e);
        }
    }

    /**
     * The bound address.
     *
     * @return the address (with the port picked when 0 was asked)
     */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /**
     * The Prometheus registry behind {@code /metrics}; an application may add its own meters.
     *
     * @return the registry
     */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Requests of {@code /api/status} served so far (what the status page's polling shows as).
     *
     * @return the count
     */
    long statusRequests() {
        return statusRequests.get();
    }

    /**
     * Stops serving (requests in progress get up to one second) and unbinds the meters.
     */
    @Override
    public void close() {
        server.stop(1);
        workers.shutdownNow();
        sampler.shutdownNow();
        metrics.close();
        gc.close();
        registry.close();
    }

    private void handle(final HttpExchange ex) throws IOException {
        try (ex) {
            final String method = ex.getRequestMethod();
            final boolean head = "HEAD".equals(method);
            if (!head && !"GET".equals(method)) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", (method + " not allowed: read-only\n").getBytes(
                    StandardCharsets.UTF_8), false);
                return;
            }
            final String path = ex.getRequestURI().getPath();
            try {
                switch (path) {
                    case "/":
                    case "/index.html":
                        ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; "
                            + "script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                            + "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
                        send(ex, 200, "text/html; charset=utf-8", page, head);
                        break;
                    case "/metrics":
                        send(ex, 200, PROMETHEUS_TEXT, registry.scrape().getBytes(StandardCharsets.UTF_8), head);
                        break;
                    case "/api/status":
                        statusRequests.incrementAndGet();
                        send(ex, 200, "application/json; charset=utf-8", StatusJson.render(lb, history, startedAt)
                            .getBytes(StandardCharsets.UTF_8), head);
                        break;
                    default:
                        send(ex, 404, "text/plain; charset=utf-8", ("not found: " + path
                            + " (served: /, /metrics, /api/status)\n").getBytes(StandardCharsets.UTF_8), head);
                }
            } catch (final RuntimeException e) {
                LOG.warn("HTTP {} {} failed", method, path, e);
                send(ex, 500, "text/plain; charset=utf-8", ("internal error: " + e + "\n").getBytes(
                    StandardCharsets.UTF_8), head);
            }
        } catch (final IOException e) {
            LOG.debug("HTTP client went away", e);
        }
    }

    private static void send(final HttpExchange ex, final int status, final String type, final byte[] body,
        final boolean head) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        if (head) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
