package dev.webtransport.server;

import dev.webtransport.netty.WebTransportChannelInitializer;
import dev.webtransport.protocol.HandlerStats;
import dev.webtransport.protocol.HealthStatus;
import dev.webtransport.protocol.ProtocolCounters;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.protocol.QuicConfiguration;
import dev.webtransport.protocol.WebTransportProtocolHandler;
import dev.webtransport.protocol.WebTransportProtocolUtils;
import dev.webtransport.server.security.AdmissionControl;
import dev.webtransport.server.security.HmacQuicTokenHandler;
import dev.webtransport.server.security.HmacResetTokenGenerator;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionAcceptor;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicTokenHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A WebTransport-over-HTTP/3 server on Netty QUIC: binds UDP (both loopbacks for {@code localhost}), speaks QUIC v1
 * with TLS 1.3 and ALPN {@code h3}, and hands session requests to a {@link WebTransportSessionAcceptor} (usually a
 * {@link WebTransportRouter}). Start with {@link #start()}, stop with {@link #shutdown(Duration)}.
 */
public final class WebTransportServer implements AutoCloseable {
    /** Close code sent to sessions still open when the drain timeout of a shutdown ran out. */
    public static final long SHUTDOWN_CLOSE_CODE = 0x5348_5554L; // "SHUT"
    private static final Logger LOG = LoggerFactory.getLogger(WebTransportServer.class);

    private final String host;
    private final int requestedPort;
    private final ServerCertificate certificate;
    private final QuicSslContext customSslContext;
    private final QuicConfiguration quic;
    private final ProtocolHandlerConfig protocolConfig;
    private final WebTransportSessionAcceptor acceptor;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final QuicTokenHandler tokenHandler;
    private final io.netty.handler.codec.quic.QuicResetTokenGenerator resetTokens;
    private final int maxConnections;
    private final java.security.cert.X509Certificate[] trustedClientCertificates;
    private final boolean clientCertificateRequired;
    private final java.util.Map<AdmissionControl.Reason, java.util.concurrent.atomic.LongAdder> rejections =
            new java.util.EnumMap<>(AdmissionControl.Reason.class);
    private final int ioThreads;
    private final java.util.function.Consumer<WebTransportProtocolHandler> connectionListener;
    private final ProtocolCounters counters = new ProtocolCounters();
    private final Set<WebTransportProtocolHandler> connections = ConcurrentHashMap.newKeySet();
    private final List<Channel> channels = new ArrayList<>();
    private volatile EventLoopGroup group;
    private volatile int port = -1;
    private volatile Instant startedAt;
    private volatile boolean running;

    private WebTransportServer(Builder b) {
        this.host = b.host;
        this.requestedPort = b.port;
        this.certificate = b.certificate;
        this.customSslContext = b.sslContext;
        this.quic = b.quic;
        this.protocolConfig = b.protocolConfig;
        for (AdmissionControl.Reason r : AdmissionControl.Reason.values()) {
            rejections.put(r, new java.util.concurrent.atomic.LongAdder());
        }
        this.acceptor = b.acceptor == null || (b.maxSessions <= 0 && b.sessionRequestsPerSecond <= 0) ? b.acceptor
                : new AdmissionControl(b.acceptor, b.maxSessions, b.sessionRequestsPerSecond,
                        () -> sessions().size(), rejections);
        byte[] key = b.addressValidationKey != null ? b.addressValidationKey : randomKey();
        this.tokenHandler = b.tokenHandler != null ? b.tokenHandler
                : new HmacQuicTokenHandler(key, java.time.Duration.ofSeconds(10));
        this.resetTokens = new HmacResetTokenGenerator(deriveKey(key, "stateless-reset"));
        this.maxConnections = b.maxConnections;
        this.trustedClientCertificates = b.trustedClientCertificates;
        this.clientCertificateRequired = b.clientCertificateRequired;
        this.ioThreads = b.ioThreads;
        this.connectionListener = b.connectionListener;
        if (b.executor != null) {
            this.executor = b.executor;
            this.ownedExecutor = null;
        } else {
            this.ownedExecutor = Executors.newCachedThreadPool(new DefaultThreadFactory("webtransport-handler", true));
            this.executor = ownedExecutor;
        }
        if (certificate == null && customSslContext == null) {
            throw new IllegalArgumentException("a server certificate (or QuicSslContext) is required");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds and starts serving; blocks until every address is bound. */
    public synchronized WebTransportServer start() {
        if (running) {
            return this;
        }
        QuicSslContext ssl = customSslContext != null ? customSslContext : sslContext(certificate);
        group = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("webtransport-io", true),
                NioIoHandler.newFactory());
        try {
            List<InetAddress> addresses = bindAddresses(host);
            int p = requestedPort;
            for (InetAddress address : addresses) {
                ChannelHandler codec = codec(ssl);
                Channel ch = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec)
                        .bind(new InetSocketAddress(address, p)).sync().channel();
                channels.add(ch);
                if (p == 0) {
                    p = ((InetSocketAddress) ch.localAddress()).getPort();
                }
            }
            port = p;
            startedAt = Instant.now();
            running = true;
            LOG.info("WebTransport server listening on {} (UDP port {})", boundAddresses(), port);
            return this;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopNow();
            throw new IllegalStateException("interrupted while binding", e);
        } catch (Exception e) {
            stopNow();
            throw new IllegalStateException("cannot bind WebTransport server to " + host + ":" + requestedPort + ": "
                    + e.getMessage(), e);
        }
    }

    private QuicSslContext sslContext(ServerCertificate c) {
        QuicSslContextBuilder b = c.privateKey() != null
                ? QuicSslContextBuilder.forServer(c.privateKey(), null, c.chain().toArray(new java.security.cert.X509Certificate[0]))
                : QuicSslContextBuilder.forServer(c.keyFile().toFile(), null, pemChainFile(c));
        if (trustedClientCertificates != null) {
            b.trustManager(trustedClientCertificates)
                    .clientAuth(clientCertificateRequired ? io.netty.handler.ssl.ClientAuth.REQUIRE
                            : io.netty.handler.ssl.ClientAuth.OPTIONAL);
        }
        return b.applicationProtocols("h3").build();
    }

    private static byte[] randomKey() {
        byte[] k = new byte[32];
        new java.security.SecureRandom().nextBytes(k);
        return k;
    }

    private static byte[] deriveKey(byte[] key, String label) {
        try {
            javax.crypto.Mac m = javax.crypto.Mac.getInstance("HmacSHA256");
            m.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            return m.doFinal(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many connections and session requests the server's own limits turned away, by reason. */
    public java.util.Map<AdmissionControl.Reason, Long> rejections() {
        java.util.Map<AdmissionControl.Reason, Long> out = new java.util.EnumMap<>(AdmissionControl.Reason.class);
        rejections.forEach((r, n) -> out.put(r, n.sum()));
        return out;
    }

    private static java.io.File pemChainFile(ServerCertificate c) {
        try {
            java.nio.file.Path tmp = java.nio.file.Files.createTempFile("webtransport-chain", ".pem");
            tmp.toFile().deleteOnExit();
            StringBuilder sb = new StringBuilder();
            java.util.Base64.Encoder enc = java.util.Base64.getMimeEncoder(64, "\n".getBytes());
            for (var cert : c.chain()) {
                sb.append("-----BEGIN CERTIFICATE-----\n").append(enc.encodeToString(cert.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            }
            java.nio.file.Files.writeString(tmp, sb);
            return tmp.toFile();
        } catch (Exception e) {
            throw new IllegalStateException("cannot prepare certificate chain: " + e.getMessage(), e);
        }
    }

    private ChannelHandler codec(QuicSslContext ssl) {
        QuicServerCodecBuilder b = quic.applyTo(new QuicServerCodecBuilder())
                .sslContext(ssl)
                .tokenHandler(tokenHandler)
                .resetTokenGenerator(resetTokens)
                .handler(new WebTransportChannelInitializer(false, protocolConfig, executor, acceptor, counters,
                        this::track));
        return b.build();
    }

    private void track(WebTransportProtocolHandler handler) {
        if (maxConnections > 0 && connections.size() >= maxConnections) {
            rejections.get(AdmissionControl.Reason.MAX_CONNECTIONS).increment();
            LOG.debug("refusing connection from {}: {} connections open", handler.quicConnection().remoteSocketAddress(),
                    connections.size());
            handler.quicConnection().close(true, 0x107, io.netty.buffer.Unpooled.EMPTY_BUFFER);
            return;
        }
        handler.connection(this);
        if (connectionListener != null) {
            connectionListener.accept(handler);
        }
        connections.add(handler);
        handler.quicConnection().closeFuture().addListener(f -> connections.remove(handler));
    }

    static List<InetAddress> bindAddresses(String host) throws UnknownHostException {
        List<InetAddress> out = new ArrayList<>();
        if (host == null || host.isBlank() || host.equals("*")) {
            out.add(ipv6Available() ? InetAddress.getByName("::") : InetAddress.getByName("0.0.0.0"));
        } else if (host.equalsIgnoreCase("localhost")) {
            out.add(InetAddress.getByName("127.0.0.1"));
            if (ipv6Available()) {
                out.add(InetAddress.getByName("::1"));
            }
        } else {
            out.add(InetAddress.getByName(host));
        }
        return out;
    }

    private static boolean ipv6Available() {
        try {
            for (NetworkInterface ni : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : java.util.Collections.list(ni.getInetAddresses())) {
                    if (a instanceof Inet6Address && a.isLoopbackAddress()) {
                        return true;
                    }
                }
            }
        } catch (SocketException ignored) {
            // fall through
        }
        return false;
    }

    /** The bound UDP port (the chosen one when port 0 was asked for), or -1 before start. */
    public int port() {
        return port;
    }

    /** Every bound local address. */
    public List<InetSocketAddress> boundAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (Channel c : channels) {
            out.add((InetSocketAddress) c.localAddress());
        }
        return out;
    }

    public boolean isRunning() {
        return running;
    }

    /** The protocol handler of every open connection. */
    public List<WebTransportProtocolHandler> connections() {
        return List.copyOf(connections);
    }

    /** Every open session across all connections. */
    public List<WebTransportSession> sessions() {
        List<WebTransportSession> out = new ArrayList<>();
        for (WebTransportProtocolHandler h : connections) {
            out.addAll(h.sessions());
        }
        return out;
    }

    /** Totals across every connection, closed ones included, with current session and stream counts. */
    public HandlerStats stats() {
        int sessions = 0;
        int streams = 0;
        for (WebTransportProtocolHandler h : connections) {
            HandlerStats s = h.stats();
            sessions += s.activeSessions();
            streams += s.activeStreams();
        }
        return counters.snapshot(startedAt == null ? Instant.now() : startedAt, sessions, streams);
    }

    /** Aggregated health: UNHEALTHY when not bound, DEGRADED above the error-rate threshold, else HEALTHY. */
    public ServerHealth health() {
        HandlerStats st = stats();
        HealthStatus.Status status;
        if (!running) {
            status = HealthStatus.Status.UNHEALTHY;
        } else if (st.errorRate() > HealthStatus.DEGRADED_ERROR_RATE) {
            status = HealthStatus.Status.DEGRADED;
        } else {
            status = HealthStatus.Status.HEALTHY;
        }
        return new ServerHealth(status, running, boundAddresses(), connections.size(), st.activeSessions(),
                st.activeStreams(), st.errorRate(),
                startedAt == null ? Duration.ZERO : Duration.between(startedAt, Instant.now()));
    }

    /**
     * Graceful stop: sends DRAIN to every session and GOAWAY to every connection, waits until sessions end or the
     * drain timeout passes, then closes what is left with {@link #SHUTDOWN_CLOSE_CODE} and unbinds.
     */
    public CompletableFuture<Void> shutdown(Duration drainTimeout) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!running) {
            done.complete(null);
            return done;
        }
        running = false;
        Thread t = new Thread(() -> {
            try {
                for (WebTransportProtocolHandler h : connections) {
                    h.drainAll();
                }
                long deadline = System.nanoTime() + drainTimeout.toNanos();
                while (System.nanoTime() < deadline && !sessions().isEmpty()) {
                    Thread.sleep(20);
                }
                List<CompletableFuture<Void>> closes = new ArrayList<>();
                for (WebTransportSession s : sessions()) {
                    closes.add(s.close(SHUTDOWN_CLOSE_CODE, "server shutting down"));
                }
                CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
                List<CompletableFuture<Void>> conns = new ArrayList<>();
                for (WebTransportProtocolHandler h : connections) {
                    conns.add(h.close());
                }
                CompletableFuture.allOf(conns.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("graceful shutdown did not finish cleanly: {}", e.toString());
            } finally {
                stopNow();
                done.complete(null);
            }
        }, "webtransport-shutdown");
        t.setDaemon(true);
        t.start();
        return done;
    }

    private synchronized void stopNow() {
        running = false;
        for (Channel c : channels) {
            c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        channels.clear();
        EventLoopGroup g = group;
        group = null;
        if (g != null) {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
    }

    /** Stops immediately (no drain). */
    @Override
    public void close() {
        shutdown(Duration.ZERO).join();
    }

    /** Builder of a {@link WebTransportServer}. */
    public static final class Builder {
        private String host = "localhost";
        private int port = 4433;
        private ServerCertificate certificate;
        private QuicSslContext sslContext;
        private QuicConfiguration quic = WebTransportProtocolUtils.createQuicConfiguration(false);
        private ProtocolHandlerConfig protocolConfig = ProtocolHandlerConfig.defaults();
        private WebTransportSessionAcceptor acceptor;
        private Executor executor;
        private QuicTokenHandler tokenHandler;
        private byte[] addressValidationKey;
        private int maxConnections;
        private int maxSessions;
        private double sessionRequestsPerSecond;
        private java.security.cert.X509Certificate[] trustedClientCertificates;
        private boolean clientCertificateRequired;
        private int ioThreads = 1;
        private java.util.function.Consumer<WebTransportProtocolHandler> connectionListener;

        /** Host to bind: {@code localhost} binds 127.0.0.1 and ::1, {@code *} or blank binds every address. */
        public Builder host(String host) { this.host = host; return this; }
        /** UDP port; 0 picks a free one (see {@link WebTransportServer#port()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be within 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }
        public Builder certificate(ServerCertificate certificate) { this.certificate = certificate; return this; }
        /** A fully custom TLS context (must offer ALPN {@code h3}). */
        public Builder sslContext(QuicSslContext sslContext) { this.sslContext = sslContext; return this; }
        public Builder quicConfiguration(QuicConfiguration quic) { this.quic = Objects.requireNonNull(quic); return this; }
        public Builder protocolConfig(ProtocolHandlerConfig c) { this.protocolConfig = Objects.requireNonNull(c); return this; }
        /**
         * Decides on session requests (usually a {@link WebTransportRouter}). Without one, requests stay pending until
         * the application calls {@code acceptWebTransportSession} or {@code rejectWebTransportSession} on the
         * connection's protocol handler (after a {@code SESSION_REQUEST} event).
         */
        public Builder acceptor(WebTransportSessionAcceptor acceptor) { this.acceptor = acceptor; return this; }

        /** Called with each new connection's protocol handler (for example to subscribe to its events). */
        public Builder onConnection(java.util.function.Consumer<WebTransportProtocolHandler> listener) {
            this.connectionListener = listener;
            return this;
        }
        /** Where handlers run; by default a cached daemon pool owned by the server. */
        public Builder executor(Executor executor) { this.executor = executor; return this; }
        /** Replaces the default HMAC address-validation token handler (for example with Netty's insecure one in tests). */
        public Builder tokenHandler(QuicTokenHandler tokenHandler) { this.tokenHandler = Objects.requireNonNull(tokenHandler); return this; }

        /**
         * Secret (at least 32 bytes) keying address-validation tokens and stateless reset tokens. Servers of a fleet
         * behind one address share it; by default each server draws a random key at construction.
         */
        public Builder addressValidationKey(byte[] key) {
            if (key.length < 32) {
                throw new IllegalArgumentException("the address validation key needs at least 32 bytes");
            }
            this.addressValidationKey = key.clone();
            return this;
        }

        /** Most QUIC connections open at once (0 = unlimited); more are closed with EXCESSIVE_LOAD and counted. */
        public Builder maxConnections(int n) { this.maxConnections = n; return this; }

        /** Most sessions open at once across the server (0 = unlimited); more are rejected with 429 and counted. */
        public Builder maxSessions(int n) { this.maxSessions = n; return this; }

        /** Session requests allowed per second and source address (0 = unlimited); more get 429 and are counted. */
        public Builder sessionRequestsPerSecondPerAddress(double n) { this.sessionRequestsPerSecond = n; return this; }

        /**
         * Mutual TLS: client certificates are verified against these trust anchors; {@code required} refuses clients
         * without one during the handshake.
         */
        public Builder clientCertificates(boolean required, java.security.cert.X509Certificate... trusted) {
            this.trustedClientCertificates = trusted.clone();
            this.clientCertificateRequired = required;
            return this;
        }
        public Builder ioThreads(int n) { this.ioThreads = n; return this; }

        public WebTransportServer build() {
            return new WebTransportServer(this);
        }
    }
}
