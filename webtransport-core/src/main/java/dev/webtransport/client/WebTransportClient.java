package dev.webtransport.client;

import dev.webtransport.netty.WebTransportChannelInitializer;
import dev.webtransport.protocol.ConnectionException;
import dev.webtransport.protocol.ConnectionState;
import dev.webtransport.protocol.EventType;
import dev.webtransport.protocol.HandlerStats;
import dev.webtransport.protocol.ProtocolCounters;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.protocol.QuicConfiguration;
import dev.webtransport.protocol.SessionRecoverer;
import dev.webtransport.protocol.SessionRejectedException;
import dev.webtransport.protocol.WebTransportProtocolHandler;
import dev.webtransport.protocol.WebTransportProtocolUtils;
import dev.webtransport.protocol.WebTransportTimeoutException;
import dev.webtransport.protocol.wire.SettingsIds;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.TrustManagerFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A WebTransport client: connects to {@code https://host:port/path}, performs the extended CONNECT, and yields the
 * same {@link WebTransportSession} API as the server side.
 *
 * <p>Connections are pooled per host and port. A connection whose server allows several sessions
 * ({@code SETTINGS_WT_MAX_SESSIONS} or the draft-07 equivalent &gt; 1) is shared by up to that many sessions; a
 * connection to a server allowing one session carries exactly one and is closed shortly after that session ends
 * (as Chromium does). Concurrent connects wait for a connection that is still handshaking instead of each opening
 * their own, as long as its capacity may suffice.
 *
 * <p>Certificate trust follows the browser: the JVM trust store by default; {@code serverCertificateHashes}
 * (SHA-256 of the DER leaf, which must be valid now for at most 14 days) for self-signed development servers; an
 * insecure mode only when asked for by name.
 *
 * <p>A failed session can be re-established on a new connection with {@link #recover(WebTransportSession, int)} (or
 * {@link WebTransportProtocolHandler#recoverSession(long, int)}, which delegates here), with bounded retries and
 * exponential backoff.
 */
public final class WebTransportClient implements SessionRecoverer, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebTransportClient.class);
    /** How many ended sessions are remembered for {@link #recover(WebTransportSession, int)}. */
    private static final int ENDED_SESSIONS_KEPT = 64;

    private final QuicConfiguration quic;
    private final ProtocolHandlerConfig protocolConfig;
    private final QuicSslContext ssl;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final Duration connectTimeout;
    private final Duration recoveryInitialBackoff;
    private final Duration recoveryMaxBackoff;
    private final RecoveryListener recoveryListener;
    private final EventLoopGroup group;
    private final ProtocolCounters counters = new ProtocolCounters();
    private final Instant createdAt = Instant.now();
    private final Object lock = new Object();
    /** Pooled connections per "host:port" (guarded by {@link #lock}). */
    private final Map<String, List<PooledConnection>> pool = new HashMap<>();
    /** Last session limit seen per "host:port" (guarded by {@link #lock}). */
    private final Map<String, Long> knownMaxSessions = new HashMap<>();
    private final Map<WebTransportSession, WebTransportSessionHandler> openSessions = new ConcurrentHashMap<>();
    private final Map<WebTransportSession, WebTransportSessionHandler> endedSessions = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<WebTransportSession, WebTransportSessionHandler> e) {
                    return size() > ENDED_SESSIONS_KEPT;
                }
            });
    private volatile boolean closed;

    private WebTransportClient(Builder b) {
        this.quic = b.quic;
        this.protocolConfig = b.protocolConfig;
        this.connectTimeout = b.connectTimeout;
        this.recoveryInitialBackoff = b.recoveryInitialBackoff;
        this.recoveryMaxBackoff = b.recoveryMaxBackoff;
        this.recoveryListener = b.recoveryListener;
        if (b.executor != null) {
            this.executor = b.executor;
            this.ownedExecutor = null;
        } else {
            this.ownedExecutor = Executors.newCachedThreadPool(new DefaultThreadFactory("webtransport-client", true));
            this.executor = ownedExecutor;
        }
        this.ssl = b.buildSsl();
        this.group = new MultiThreadIoEventLoopGroup(b.ioThreads, new DefaultThreadFactory("webtransport-client-io", true),
                NioIoHandler.newFactory());
    }

    /** A builder with the defaults (JVM trust store, 10 s connect timeout, 200 ms to 2 s recovery backoff). */
    public static Builder builder() {
        return new Builder();
    }

    /** Opens a session to {@code https://host:port/path} with no extra headers. */
    public CompletableFuture<WebTransportSession> connect(URI uri, WebTransportSessionHandler handler) {
        return connect(uri, Map.of(), handler);
    }

    /**
     * Opens a session, the whole of it (connection, SETTINGS, CONNECT) bounded by the connect timeout: past it the
     * future fails with a {@link WebTransportTimeoutException}. {@code headers} are added to the CONNECT (for example
     * {@code origin}, or {@code wt-available-protocols} to offer subprotocols).
     */
    public CompletableFuture<WebTransportSession> connect(URI uri, Map<String, String> headers,
                                                          WebTransportSessionHandler handler) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(handler, "handler");
        Target target;
        try {
            target = Target.of(uri);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return open(target, headers == null ? Map.of() : headers, handler, false);
    }

    /**
     * Re-establishes a session on a NEW connection: at most {@code maxRetries} attempts, each bounded by the connect
     * timeout, separated by exponential backoff (see {@link Builder#recoveryBackoff(Duration, Duration)}). Completes
     * with the new session (the engine calls {@code handler.onOpen} as for any session) or fails with a
     * {@link SessionRecoveryException} whose cause is the last attempt's error. A definitive rejection (an HTTP status
     * other than 408, 425, 429 and 5xx) ends the retries early.
     */
    @Override
    public CompletableFuture<WebTransportSession> recover(String authority, String path, Map<String, String> headers,
                                                          WebTransportSessionHandler handler, int maxRetries) {
        Objects.requireNonNull(handler, "handler");
        if (maxRetries < 1) {
            throw new IllegalArgumentException("maxRetries must be at least 1, got " + maxRetries);
        }
        Target target;
        try {
            if (authority == null || authority.isEmpty()) {
                throw new IllegalArgumentException("the session has no :authority to recover");
            }
            target = Target.of(URI.create("https://" + authority + (path == null || path.isEmpty() ? "/" : path)));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        Map<String, String> copy = headers == null ? Map.of() : new LinkedHashMap<>(headers);
        CompletableFuture<WebTransportSession> result = new CompletableFuture<>();
        recoveryAttempt(target, copy, handler, 1, maxRetries, result);
        return result;
    }

    /**
     * Re-establishes a session this client opened (for example after its connection failed) with the same target,
     * headers and handler; see {@link #recover(String, String, Map, WebTransportSessionHandler, int)}.
     */
    public CompletableFuture<WebTransportSession> recover(WebTransportSession failed, int maxRetries) {
        Objects.requireNonNull(failed, "failed");
        WebTransportSessionHandler handler = openSessions.get(failed);
        if (handler == null) {
            handler = endedSessions.get(failed);
        }
        if (handler == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "session " + failed.sessionId() + " was not opened by this client (or ended too long ago)"));
        }
        return recoverLike(failed, handler, maxRetries);
    }

    private void recoveryAttempt(Target target, Map<String, String> headers, WebTransportSessionHandler handler,
                                 int attempt, int maxRetries, CompletableFuture<WebTransportSession> result) {
        if (closed) {
            giveUp(target, attempt - 1, new ConnectionException("the client is closed"), result);
            return;
        }
        notifyListener(l -> l.attemptStarted(target.uri(), attempt, maxRetries));
        open(target, headers, handler, true).whenComplete((session, error) -> {
            if (error == null) {
                notifyListener(l -> l.recovered(target.uri(), session, attempt));
                result.complete(session);
                return;
            }
            Throwable cause = unwrap(error);
            boolean last = attempt >= maxRetries || closed || !retryable(cause);
            Duration delay = last ? null : backoff(attempt);
            notifyListener(l -> l.attemptFailed(target.uri(), attempt, cause, delay));
            if (last) {
                giveUp(target, attempt, cause, result);
                return;
            }
            LOG.debug("recovery attempt {}/{} to {} failed ({}); retrying in {} ms", attempt, maxRetries,
                    target.uri(), cause.toString(), delay.toMillis());
            try {
                group.schedule(() -> runOnExecutor(() -> recoveryAttempt(target, headers, handler, attempt + 1,
                        maxRetries, result)), delay.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                giveUp(target, attempt, new ConnectionException("the client is closed"), result);
            }
        });
    }

    private void giveUp(Target target, int attempts, Throwable lastError, CompletableFuture<WebTransportSession> result) {
        notifyListener(l -> l.gaveUp(target.uri(), attempts, lastError));
        result.completeExceptionally(new SessionRecoveryException(target.uri(), attempts, lastError));
    }

    /** Backoff after the {@code attempt}-th failure: initial * 2^(attempt-1), at most the maximum. */
    Duration backoff(int attempt) {
        long nanos = recoveryInitialBackoff.toNanos();
        long max = recoveryMaxBackoff.toNanos();
        for (int i = 1; i < attempt && nanos < max; i++) {
            nanos = nanos > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : nanos * 2;
        }
        return Duration.ofNanos(Math.min(nanos, max));
    }

    private static boolean retryable(Throwable cause) {
        if (cause instanceof SessionRejectedException r) {
            int s = r.status();
            return s == 408 || s == 425 || s == 429 || s >= 500;
        }
        return true;
    }

    private void notifyListener(java.util.function.Consumer<RecoveryListener> call) {
        if (recoveryListener == null) {
            return;
        }
        try {
            call.accept(recoveryListener);
        } catch (Throwable t) {
            LOG.warn("recovery listener failed", t);
        }
    }

    // ------------------------------------------------------------------ opening sessions

    /** Acquires a connection (pooled, or {@code fresh}) and sends the CONNECT, all within the connect timeout. */
    private CompletableFuture<WebTransportSession> open(Target target, Map<String, String> headers,
                                                        WebTransportSessionHandler handler, boolean fresh) {
        CompletableFuture<WebTransportSession> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + connectTimeout.toNanos();
        ScheduledFuture<?> timer;
        try {
            timer = group.schedule(() -> runOnExecutor(() -> result.completeExceptionally(
                    new WebTransportTimeoutException("connecting to " + target.uri(), connectTimeout))),
                    connectTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new ConnectionException("the client is closed"));
        }
        result.whenComplete((s, e) -> timer.cancel(false));
        acquire(target.host(), target.port(), fresh).whenComplete((lease, error) -> {
            if (error != null) {
                runOnExecutor(() -> result.completeExceptionally(unwrap(error)));
                return;
            }
            if (result.isDone()) {
                lease.release();
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                lease.release();
                return; // the timer fails the result
            }
            CompletableFuture<WebTransportSession> f;
            try {
                // bounded by what is left, so that on timeout the engine also cancels the unanswered CONNECT
                f = lease.handler().establishSession(target.authority(), target.path(), headers, handler,
                        Duration.ofNanos(left));
            } catch (RuntimeException e) {
                lease.release();
                runOnExecutor(() -> result.completeExceptionally(e));
                return;
            }
            f.whenComplete((session, e) -> {
                if (e != null) {
                    lease.release();
                    runOnExecutor(() -> result.completeExceptionally(unwrap(e)));
                    return;
                }
                track(session, handler);
                session.closed().whenComplete((info, x) -> lease.release());
                if (!result.complete(session)) {
                    // timed out meanwhile: nobody will use this session
                    session.close(0, "connect timed out");
                }
            });
        });
        return result;
    }

    private void track(WebTransportSession session, WebTransportSessionHandler handler) {
        openSessions.put(session, handler);
        session.closed().whenComplete((info, e) -> {
            endedSessions.put(session, handler);
            openSessions.remove(session);
        });
    }

    /**
     * A slot for one session on a connection to {@code host:port}: on a pooled connection with room, on one still
     * handshaking whose capacity may suffice, or on a new one (always, when {@code fresh}).
     */
    private CompletableFuture<Lease> acquire(String host, int port, boolean fresh) {
        String key = host + ":" + port;
        PooledConnection created;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new ConnectionException("the client is closed"));
            }
            List<PooledConnection> list = pool.computeIfAbsent(key, k -> new ArrayList<>());
            if (!fresh) {
                for (PooledConnection p : list) {
                    if (p.hasRoom()) {
                        p.inUse++;
                        return CompletableFuture.completedFuture(new Lease(p));
                    }
                }
                long known = knownMaxSessions.getOrDefault(key, Long.MAX_VALUE);
                for (PooledConnection p : list) {
                    if (p.isPending() && p.inUse + p.waiting < known) {
                        p.waiting++;
                        return awaitAdmission(p);
                    }
                }
            }
            created = new PooledConnection(key, host, port);
            created.inUse = 1; // every connection carries at least one session: its creator's
            list.add(created);
        }
        start(created);
        return created.ready.thenApply(h -> new Lease(created));
    }

    /** Waits for a pending connection's SETTINGS, then takes a slot on it or looks elsewhere. */
    private CompletableFuture<Lease> awaitAdmission(PooledConnection p) {
        return p.ready.handle((h, e) -> {
            synchronized (lock) {
                p.waiting--;
                if (e == null && p.hasRoom()) {
                    p.inUse++;
                    return CompletableFuture.completedFuture(new Lease(p));
                }
            }
            if (e != null) {
                return CompletableFuture.<Lease>failedFuture(unwrap(e));
            }
            return acquire(p.host, p.port, false);
        }).thenCompose(Function.identity());
    }

    private void start(PooledConnection p) {
        newConnection(p.host, p.port).whenComplete((h, e) -> {
            if (e != null) {
                fail(p, unwrap(e));
                return;
            }
            boolean abandon;
            synchronized (lock) {
                p.handler = h;
                abandon = p.dead || closed;
            }
            if (abandon) {
                h.close();
                fail(p, new ConnectionException("the client is closed"));
                return;
            }
            h.closeFuture().whenComplete((v, x) -> {
                remove(p);
                p.ready.completeExceptionally(new ConnectionException("connection to " + p.key
                        + " closed before the server's SETTINGS arrived"));
            });
            h.on(EventType.SETTINGS_RECEIVED, ev -> settingsKnown(p, h));
            if (!h.peerSettings().isEmpty()) {
                settingsKnown(p, h);
            }
            try {
                group.schedule(() -> {
                    if (!p.ready.isDone()) {
                        fail(p, new WebTransportTimeoutException("waiting for the SETTINGS of " + p.key,
                                connectTimeout));
                        h.close();
                    }
                }, connectTimeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException ignored) {
                // client closing: close() fails the entry
            }
        });
    }

    private void settingsKnown(PooledConnection p, WebTransportProtocolHandler h) {
        Map<Long, Long> settings = h.peerSettings();
        if (settings.isEmpty()) {
            return;
        }
        long max = h.sessionLimit();
        synchronized (lock) {
            if (p.maxSessions < 0) {
                p.maxSessions = max;
                knownMaxSessions.put(p.key, max);
            }
        }
        runOnExecutor(() -> p.ready.complete(h));
    }

    private void fail(PooledConnection p, Throwable error) {
        remove(p);
        p.ready.completeExceptionally(error);
    }

    private void remove(PooledConnection p) {
        synchronized (lock) {
            p.dead = true;
            List<PooledConnection> list = pool.get(p.key);
            if (list != null) {
                list.remove(p);
            }
        }
    }

    /** A session slot ended: a connection that carries one session at most is closed once the close was sent. */
    private void released(PooledConnection p) {
        WebTransportProtocolHandler toClose = null;
        synchronized (lock) {
            p.inUse--;
            if (p.inUse <= 0 && p.waiting == 0 && p.maxSessions >= 0 && p.maxSessions <= 1 && !p.dead && !p.retired
                    && p.handler != null) {
                p.retired = true;
                toClose = p.handler;
            }
        }
        if (toClose != null) {
            WebTransportProtocolHandler h = toClose;
            try {
                // linger so the CLOSE_WEBTRANSPORT_SESSION capsule and FIN reach the server before CONNECTION_CLOSE
                group.schedule(() -> {
                    h.close();
                }, protocolConfig.closeTimeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException ignored) {
                // client closing: close() closes it
            }
        }
    }

    private void runOnExecutor(Runnable r) {
        try {
            executor.execute(r);
        } catch (RejectedExecutionException e) {
            r.run();
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Opens a fresh QUIC connection (never pooled); the handshake is bounded by the connect timeout. */
    public CompletableFuture<WebTransportProtocolHandler> newConnection(String host, int port) {
        CompletableFuture<WebTransportProtocolHandler> f = new CompletableFuture<>();
        InetSocketAddress remote = new InetSocketAddress(host, port);
        if (remote.isUnresolved()) {
            f.completeExceptionally(new ConnectionException("cannot resolve " + host, -1));
            return f;
        }
        var codec = quic.applyTo(new QuicClientCodecBuilder())
                .sslEngineProvider(q -> ssl.newEngine(q.alloc(), host, port))
                .build();
        new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec)
                .bind(remote.getAddress() instanceof java.net.Inet6Address
                        ? new InetSocketAddress("::", 0) : new InetSocketAddress(0))
                .addListener(bf -> {
                    if (!bf.isSuccess()) {
                        f.completeExceptionally(new ConnectionException("cannot bind UDP socket: " + bf.cause(), -1,
                                bf.cause()));
                        return;
                    }
                    Channel datagram = ((io.netty.channel.ChannelFuture) bf).channel();
                    var connect = QuicChannel.newBootstrap(datagram)
                            .handler(new WebTransportChannelInitializer(true, protocolConfig, executor, null, counters,
                                    h -> h.connection(this)))
                            .remoteAddress(remote)
                            .connect();
                    var timer = datagram.eventLoop().schedule(() -> {
                        if (f.completeExceptionally(new WebTransportTimeoutException("QUIC handshake with " + remote,
                                connectTimeout))) {
                            // closing the socket fails the pending connect (cancelling it makes Netty log a warning)
                            datagram.close();
                        }
                    }, connectTimeout.toNanos(), TimeUnit.NANOSECONDS);
                    connect.addListener(cf -> {
                        timer.cancel(false);
                        if (!cf.isSuccess()) {
                            datagram.close();
                            f.completeExceptionally(new ConnectionException("QUIC connection to " + remote
                                    + " failed: " + cf.cause(), -1, cf.cause()));
                            return;
                        }
                        QuicChannel qc = (QuicChannel) cf.getNow();
                        qc.closeFuture().addListener(x -> datagram.close());
                        WebTransportProtocolHandler h = WebTransportChannelInitializer.handlerOf(qc);
                        if (!f.complete(h)) {
                            qc.close();
                        }
                    });
                });
        return f;
    }

    /** The protocol handler of every open pooled connection. */
    public List<WebTransportProtocolHandler> connections() {
        List<WebTransportProtocolHandler> out = new ArrayList<>();
        synchronized (lock) {
            for (List<PooledConnection> list : pool.values()) {
                for (PooledConnection p : list) {
                    if (p.handler != null && !p.dead) {
                        out.add(p.handler);
                    }
                }
            }
        }
        return out;
    }

    /** Totals across every connection this client made. */
    public HandlerStats stats() {
        int sessions = 0;
        int streams = 0;
        for (WebTransportProtocolHandler h : connections()) {
            sessions += h.stats().activeSessions();
            streams += h.stats().activeStreams();
        }
        return counters.snapshot(createdAt, sessions, streams);
    }

    /** Closes every connection (sessions with code 0), stops recoveries and releases the I/O threads. */
    @Override
    public void close() {
        List<PooledConnection> all = new ArrayList<>();
        synchronized (lock) {
            closed = true;
            pool.values().forEach(all::addAll);
        }
        List<CompletableFuture<Void>> closes = new ArrayList<>();
        for (PooledConnection p : all) {
            WebTransportProtocolHandler h;
            synchronized (lock) {
                h = p.handler;
            }
            if (h == null) {
                fail(p, new ConnectionException("the client is closed"));
            } else {
                closes.add(h.close());
            }
        }
        try {
            CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing anyway
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
    }

    /** One pooled QUIC connection; fields guarded by the client's lock (except {@link #ready}). */
    private static final class PooledConnection {
        final String key;
        final String host;
        final int port;
        /** Completes with the handler once the server's SETTINGS arrived (the session limit is known). */
        final CompletableFuture<WebTransportProtocolHandler> ready = new CompletableFuture<>();
        WebTransportProtocolHandler handler;
        long maxSessions = -1;
        int inUse;
        int waiting;
        boolean dead;
        boolean retired;

        PooledConnection(String key, String host, int port) {
            this.key = key;
            this.host = host;
            this.port = port;
        }

        boolean isPending() {
            return !dead && !retired && maxSessions < 0;
        }

        boolean hasRoom() {
            return !dead && !retired && maxSessions >= 0 && handler != null
                    && handler.connectionState() == ConnectionState.CONNECTED && inUse < maxSessions;
        }
    }

    /** One session's claim on a pooled connection, released once. */
    private final class Lease {
        private final PooledConnection connection;
        private final AtomicBoolean released = new AtomicBoolean();

        Lease(PooledConnection connection) {
            this.connection = connection;
        }

        WebTransportProtocolHandler handler() {
            synchronized (lock) {
                return connection.handler;
            }
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                released(connection);
            }
        }
    }

    /** Where a session goes: the UDP destination and the CONNECT's {@code :authority} and {@code :path}. */
    private record Target(String host, int port, String authority, String path, URI uri) {
        static Target of(URI uri) {
            if (!"https".equalsIgnoreCase(uri.getScheme())) {
                throw new IllegalArgumentException("WebTransport URLs use https: " + uri);
            }
            String host = uri.getHost();
            if (host == null || host.isEmpty()) {
                throw new IllegalArgumentException("WebTransport URL without a host: " + uri);
            }
            int port = uri.getPort() == -1 ? 443 : uri.getPort();
            String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            return new Target(host, port, uri.getRawAuthority(), path, uri);
        }
    }

    /** Builder of a {@link WebTransportClient}. */
    public static final class Builder {
        private QuicConfiguration quic = WebTransportProtocolUtils.createQuicConfiguration(true);
        private ProtocolHandlerConfig protocolConfig = ProtocolHandlerConfig.defaults();
        private Executor executor;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private final List<byte[]> certificateHashes = new ArrayList<>();
        private boolean insecure;
        private java.security.PrivateKey clientKey;
        private java.security.cert.X509Certificate[] clientChain;

        /** Presents this certificate when the server asks for one (mutual TLS). */
        public Builder clientCertificate(java.security.PrivateKey key, java.security.cert.X509Certificate... chain) {
            if (chain.length == 0) {
                throw new IllegalArgumentException("a client certificate chain needs at least the leaf");
            }
            this.clientKey = Objects.requireNonNull(key, "key");
            this.clientChain = chain.clone();
            return this;
        }
        private TrustManagerFactory trustManagerFactory;
        private int ioThreads = 1;
        private Duration recoveryInitialBackoff = Duration.ofMillis(200);
        private Duration recoveryMaxBackoff = Duration.ofSeconds(2);
        private RecoveryListener recoveryListener;

        /** QUIC transport settings (windows, idle timeout, datagrams). */
        public Builder quicConfiguration(QuicConfiguration q) { this.quic = Objects.requireNonNull(q); return this; }
        /** Engine limits of each connection's protocol handler. */
        public Builder protocolConfig(ProtocolHandlerConfig c) { this.protocolConfig = Objects.requireNonNull(c); return this; }
        /** Where callbacks and future completions run; by default a cached daemon pool owned by the client. */
        public Builder executor(Executor e) { this.executor = e; return this; }
        /** Bound on a whole connect (QUIC handshake, the server's SETTINGS and the CONNECT); default 10 s. */
        public Builder connectTimeout(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive, got " + d);
            }
            this.connectTimeout = d;
            return this;
        }
        /** Netty I/O threads shared by every connection (default 1). */
        public Builder ioThreads(int n) { this.ioThreads = n; return this; }

        /**
         * Backoff between session recovery attempts: {@code initial} after the first failure, doubling after each
         * further one, never more than {@code max}. Defaults: 200 ms and 2 s.
         */
        public Builder recoveryBackoff(Duration initial, Duration max) {
            Objects.requireNonNull(initial, "initial");
            Objects.requireNonNull(max, "max");
            if (initial.isNegative() || max.isNegative() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("need 0 <= initial <= max, got " + initial + " and " + max);
            }
            this.recoveryInitialBackoff = initial;
            this.recoveryMaxBackoff = max;
            return this;
        }

        /** Observes every session recovery attempt (for metrics or logs). */
        public Builder recoveryListener(RecoveryListener listener) { this.recoveryListener = listener; return this; }

        /** Trusts a self-signed server whose leaf certificate has this SHA-256 (the browser's serverCertificateHashes). */
        public Builder serverCertificateHash(byte[] sha256) {
            if (sha256.length != 32) {
                throw new IllegalArgumentException("a SHA-256 hash has 32 bytes, got " + sha256.length);
            }
            certificateHashes.add(sha256.clone());
            return this;
        }

        /** Same as {@link #serverCertificateHash(byte[])} with a hex string (colons allowed). */
        public Builder serverCertificateHash(String hex) {
            return serverCertificateHash(HexFormat.of().parseHex(hex.replace(":", "").toLowerCase(java.util.Locale.ROOT)));
        }

        /** Trusts certificates from a custom trust manager factory instead of the JVM's. */
        public Builder trustManagerFactory(TrustManagerFactory tmf) { this.trustManagerFactory = tmf; return this; }

        /** Accepts ANY server certificate. For tests against throw-away servers only. */
        public Builder insecureTrustAllCertificates() { this.insecure = true; return this; }

        QuicSslContext buildSsl() {
            QuicSslContextBuilder b = QuicSslContextBuilder.forClient().applicationProtocols("h3");
            if (clientKey != null) {
                b.keyManager(clientKey, null, clientChain);
            }
            if (insecure) {
                b.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (!certificateHashes.isEmpty()) {
                b.trustManager(new CertificateHashTrustManager(certificateHashes));
            } else {
                try {
                    TrustManagerFactory tmf = trustManagerFactory;
                    if (tmf == null) {
                        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                        tmf.init((KeyStore) null);
                    }
                    b.trustManager(tmf);
                    b.endpointIdentificationAlgorithm("HTTPS");
                } catch (Exception e) {
                    throw new IllegalStateException("cannot load the default trust store: " + e.getMessage(), e);
                }
            }
            return b.build();
        }

        /** Builds the client; its I/O threads start now and stop with {@link WebTransportClient#close()}. */
        public WebTransportClient build() {
            return new WebTransportClient(this);
        }
    }
}
