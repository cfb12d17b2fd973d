package dev.webtransport.client;

import dev.webtransport.netty.WebTransportChannelInitializer;
import dev.webtransport.protocol.ConnectionException;
import dev.webtransport.protocol.HandlerStats;
import dev.webtransport.protocol.ProtocolCounters;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.protocol.QuicConfiguration;
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

import javax.net.ssl.TrustManagerFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A WebTransport client: connects to {@code https://host:port/path}, performs the extended CONNECT, and yields the
 * same {@link WebTransportSession} API as the server side. Connections are pooled per host and port and reused while
 * the server allows more sessions on them ({@code SETTINGS_WT_MAX_SESSIONS} > 1).
 *
 * <p>Certificate trust follows the browser: the JVM trust store by default; {@code serverCertificateHashes}
 * (SHA-256 of the DER leaf, which must be valid now for at most 14 days) for self-signed development servers; an
 * insecure mode only when asked for by name.
 */
public final class WebTransportClient implements AutoCloseable {
    private final QuicConfiguration quic;
    private final ProtocolHandlerConfig protocolConfig;
    private final QuicSslContext ssl;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final Duration connectTimeout;
    private final EventLoopGroup group;
    private final ProtocolCounters counters = new ProtocolCounters();
    private final Map<String, List<WebTransportProtocolHandler>> pool = new ConcurrentHashMap<>();
    private final Instant createdAt = Instant.now();

    private WebTransportClient(Builder b) {
        this.quic = b.quic;
        this.protocolConfig = b.protocolConfig;
        this.connectTimeout = b.connectTimeout;
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

    public static Builder builder() {
        return new Builder();
    }

    /** Opens a session to {@code https://host:port/path} with no extra headers. */
    public CompletableFuture<WebTransportSession> connect(URI uri, WebTransportSessionHandler handler) {
        return connect(uri, Map.of(), handler);
    }

    /**
     * Opens a session, bounded by the connect timeout. {@code headers} are added to the CONNECT (for example
     * {@code origin}, or {@code wt-available-protocols} to offer subprotocols).
     */
    public CompletableFuture<WebTransportSession> connect(URI uri, Map<String, String> headers,
                                                          WebTransportSessionHandler handler) {
        Objects.requireNonNull(uri, "uri");
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("WebTransport URLs use https: " + uri));
        }
        String host = uri.getHost();
        int port = uri.getPort() == -1 ? 443 : uri.getPort();
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        String authority = uri.getRawAuthority();
        long deadline = System.nanoTime() + connectTimeout.toNanos();
        return connection(host, port).thenCompose(h -> {
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            return h.establishSession(authority, path, headers, handler, left);
        });
    }

    /** A pooled connection with room for another session, or a new one. */
    CompletableFuture<WebTransportProtocolHandler> connection(String host, int port) {
        String key = host + ":" + port;
        List<WebTransportProtocolHandler> list = pool.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
        for (WebTransportProtocolHandler h : list) {
            if (h.isConnected() && hasRoom(h)) {
                return CompletableFuture.completedFuture(h);
            }
        }
        return newConnection(host, port).thenApply(h -> {
            list.add(h);
            h.closeFuture().whenComplete((v, e) -> list.remove(h));
            return h;
        });
    }

    private static boolean hasRoom(WebTransportProtocolHandler h) {
        Map<Long, Long> s = h.peerSettings();
        if (s.isEmpty()) {
            return false;
        }
        long max = Math.max(s.getOrDefault(SettingsIds.WT_MAX_SESSIONS, 0L),
                s.getOrDefault(SettingsIds.WEBTRANSPORT_MAX_SESSIONS_DRAFT07, 0L));
        return max > 1 && h.sessions().size() < max;
    }

    /** Opens a fresh QUIC connection (never pooled). */
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
                            connect.cancel(false);
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

    /** Every open connection's protocol handler. */
    public List<WebTransportProtocolHandler> connections() {
        List<WebTransportProtocolHandler> out = new ArrayList<>();
        pool.values().forEach(out::addAll);
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

    @Override
    public void close() {
        for (WebTransportProtocolHandler h : connections()) {
            try {
                h.close().get(2, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // closing anyway
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
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
        private TrustManagerFactory trustManagerFactory;
        private int ioThreads = 1;

        public Builder quicConfiguration(QuicConfiguration q) { this.quic = Objects.requireNonNull(q); return this; }
        public Builder protocolConfig(ProtocolHandlerConfig c) { this.protocolConfig = Objects.requireNonNull(c); return this; }
        /** Where callbacks and future completions run; by default a cached daemon pool owned by the client. */
        public Builder executor(Executor e) { this.executor = e; return this; }
        /** Bound on handshake plus CONNECT. */
        public Builder connectTimeout(Duration d) { this.connectTimeout = Objects.requireNonNull(d); return this; }
        public Builder ioThreads(int n) { this.ioThreads = n; return this; }

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

        public WebTransportClient build() {
            return new WebTransportClient(this);
        }
    }
}
