package dev.webtransport.interop.flupke;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.kwik.core.server.ServerConnectionConfig;
import tech.kwik.core.server.ServerConnector;
import tech.kwik.flupke.HttpStream;
import tech.kwik.flupke.server.Http3ApplicationProtocolFactory;
import tech.kwik.flupke.server.Http3ServerConnection;
import tech.kwik.flupke.server.Http3ServerExtension;
import tech.kwik.flupke.server.Http3ServerExtensionFactory;
import tech.kwik.flupke.server.HttpServerResponse;
import tech.kwik.flupke.webtransport.Session;
import tech.kwik.flupke.webtransport.WebTransportStream;
import tech.kwik.flupke.webtransport.impl.WebTransportExtensionFactory;

/**
 * Flupke 0.9.4's own WebTransport server on {@code 127.0.0.1:<ephemeral>}, for testing our client.
 *
 * <p>SETTINGS sent: Flupke's {@code 0x1=0, 0x7=0, 0x08=1, 0x14e9cd29=1} plus {@link #DEFAULT_EXTRA_SETTINGS}
 * ({@code 0x2b603742=1, 0xc671706a=1, 0x33=1}), added through Flupke's {@code Http3ServerExtensionFactory
 * .getExtensionSettings()} hook (later entries override earlier ones, so even 0x08 can be overridden).
 * When 0x33 is non-zero the QUIC datagram extension is enabled too (max_datagram_frame_size TP, RFC 9297
 * §2.1.1) — Flupke itself has no WebTransport datagram API, so datagrams are never answered.
 *
 * <p>Paths: {@value #ECHO_PATH} (bidi echo; a uni stream is answered by a server uni stream with the
 * same bytes; client close is answered by Flupke with FIN) and anything registered with
 * {@link #register} / {@link #registerProbed}. Unknown path: 404; {@link #respondWith} forces a status.
 * Extended CONNECT is accepted with {@code :protocol} {@code webtransport} and {@code webtransport-h3}
 * (others: 501). Register handlers before clients connect (Flupke's handler map is not thread-safe).
 */
public final class FlupkeWebTransportServer implements AutoCloseable {

    /** Path of the built-in echo handler. */
    public static final String ECHO_PATH = "/echo";
    /** Extra SETTINGS added by {@link #start(Path, Path)}: draft-02 (Chromium), draft-07 and H3_DATAGRAM. */
    public static final Map<Long, Long> DEFAULT_EXTRA_SETTINGS = Collections.unmodifiableMap(new LinkedHashMap<>(Map.of(
            0x2b603742L, 1L,
            0xc671706aL, 1L,
            0x33L, 1L)));

    static {
        FlupkeWebTransportClient.disableKwikAssertions(); // kwik asserts an RTT >= 1 ms, see there
    }

    private static final Logger LOG = LoggerFactory.getLogger(FlupkeWebTransportServer.class);
    private static final long H3_DATAGRAM = 0x33L;

    /**
     * One extended CONNECT request as received (recorded before the status is chosen).
     *
     * @param protocol {@code :protocol}
     * @param authority {@code :authority}
     * @param pathAndQuery {@code :path}
     * @param headers regular header fields (e.g. {@code origin})
     */
    public record ConnectRequest(String protocol, String authority, String pathAndQuery, HttpHeaders headers) {
    }

    private final ServerConnector connector;
    private final int port;
    private final WebTransportExtensionFactory webTransport;
    private final ExecutorService executor;
    private final BlockingQueue<FlupkeSessionProbe> acceptedSessions = new LinkedBlockingQueue<>();
    private final BlockingQueue<ConnectRequest> connectRequests = new LinkedBlockingQueue<>();
    private final Map<String, Integer> forcedStatus = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private FlupkeWebTransportServer(ServerConnector connector, int port, WebTransportExtensionFactory webTransport,
                                     ExecutorService executor) {
        this.connector = connector;
        this.port = port;
        this.webTransport = webTransport;
        this.executor = executor;
    }

    /**
     * Starts the server with {@link #DEFAULT_EXTRA_SETTINGS} and the echo handler at {@value #ECHO_PATH}.
     *
     * @param certPem PEM certificate (chain, leaf first); EC P-256/384/521 or RSA
     * @param keyPem PEM private key (PKCS#8, SEC1 "EC PRIVATE KEY" or PKCS#1)
     * @return the running server
     * @throws Exception if the files cannot be read or the socket cannot be bound
     */
    public static FlupkeWebTransportServer start(Path certPem, Path keyPem) throws Exception {
        return start(certPem, keyPem, DEFAULT_EXTRA_SETTINGS);
    }

    /**
     * Starts the server sending the given extra SETTINGS (instead of the defaults) on top of Flupke's.
     *
     * @param certPem PEM certificate chain
     * @param keyPem PEM private key
     * @param extraSettings SETTINGS id to value; may override Flupke's (e.g. {@code 0x14e9cd29=0}, {@code 0x08=0})
     * @return the running server
     * @throws Exception if the files cannot be read or the socket cannot be bound
     */
    public static FlupkeWebTransportServer start(Path certPem, Path keyPem, Map<Long, Long> extraSettings)
            throws Exception {
        Map<Long, Long> settings = Collections.unmodifiableMap(new LinkedHashMap<>(extraSettings));
        List<X509Certificate> chain = readCertificates(certPem);
        PrivateKey key = readPrivateKey(keyPem);
        char[] password = "flupke".toCharArray();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        keyStore.setKeyEntry("server", key, password, chain.toArray(new Certificate[0]));

        ExecutorService executor = Executors.newCachedThreadPool(FlupkeWebTransportClient.daemon("flupke-server"));
        WebTransportExtensionFactory webTransport = new WebTransportExtensionFactory();
        webTransport.setExecutor(executor);
        boolean datagrams = settings.getOrDefault(H3_DATAGRAM, 0L) != 0L;

        FlupkeWebTransportServer[] self = new FlupkeWebTransportServer[1];
        Http3ServerExtensionFactory extension = new Http3ServerExtensionFactory() {
            @Override
            public Http3ServerExtension createExtension(Http3ServerConnection connection) {
                Http3ServerExtension delegate = webTransport.createExtension(connection);
                return (headers, protocol, authority, pathAndQuery, statusCallback, stream) ->
                        self[0].handleConnect(delegate, headers, protocol, authority, pathAndQuery, statusCallback, stream);
            }

            @Override
            public Map<Long, Long> getExtensionSettings() {
                Map<Long, Long> all = new LinkedHashMap<>(webTransport.getExtensionSettings());
                all.putAll(settings);
                return all;
            }
        };
        Http3ApplicationProtocolFactory h3 = new Http3ApplicationProtocolFactory(
                FlupkeWebTransportServer::notFound,
                // Same instance under both tokens. Each token gets its own per-connection extension, and the last
                // one accepting a CONNECT owns the connection's 0x41/0x54 streams: use one token per connection.
                Map.of("webtransport", extension, "webtransport-h3", extension),
                executor) {
            @Override
            public int maxConcurrentPeerInitiatedUnidirectionalStreams() {
                return 100;
            }

            @Override
            public long maxTotalPeerInitiatedUnidirectionalStreams() {
                return Long.MAX_VALUE;
            }

            @Override
            public int maxConcurrentPeerInitiatedBidirectionalStreams() {
                return 100;
            }

            @Override
            public long maxUnidirectionalStreamReceiverBufferSize() {
                // Flupke's HTTP/3 default caps uni windows at 1024 bytes, which would throttle WebTransport uni streams.
                return 1_000_000;
            }

            @Override
            public boolean enableDatagramExtension() {
                return datagrams;
            }
        };

        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        ServerConnector connector;
        try {
            connector = ServerConnector.builder()
                    .withSocket(socket)
                    .withKeyStore(keyStore, "server", password, curveOf(chain.get(0)))
                    .withConfiguration(ServerConnectionConfig.builder()
                            .maxIdleTimeoutInSeconds(30)
                            .maxUnidirectionalStreamBufferSize(1_000_000)
                            .maxBidirectionalStreamBufferSize(1_000_000)
                            .maxConnectionBufferSize(10_000_000)
                            .maxOpenPeerInitiatedUnidirectionalStreams(100)
                            .maxOpenPeerInitiatedBidirectionalStreams(100)
                            .retryRequired(ServerConnectionConfig.RetryRequired.Never)
                            .connectionIdLength(8)
                            .build())
                    .withLogger(new KwikSlf4jLogger("server"))
                    .build();
        }
        catch (Exception | Error e) {
            socket.close();
            executor.shutdownNow();
            throw e;
        }
        connector.registerApplicationProtocol("h3", h3);
        FlupkeWebTransportServer server = new FlupkeWebTransportServer(connector, socket.getLocalPort(), webTransport, executor);
        self[0] = server;
        server.register(ECHO_PATH, server::echo);
        connector.start();
        LOG.info("Flupke WebTransport server on 127.0.0.1:{}, extra SETTINGS {}", server.port, hex(settings));
        return server;
    }

    /** @return the UDP port (on 127.0.0.1) */
    public int port() {
        return port;
    }

    /**
     * @param path path starting with "/"
     * @return {@code https://127.0.0.1:<port><path>}
     */
    public URI uri(String path) {
        return URI.create("https://127.0.0.1:" + port + path);
    }

    /**
     * Registers a raw Flupke handler; it runs on a server thread with a session in state CREATED and must
     * set its stream handlers (or {@link FlupkeSessionProbe#attach}) and then call {@link Session#open()}.
     * Matching is on the exact path without query.
     *
     * @param path exact path, e.g. "/chat"
     * @param handler session callback
     */
    public void register(String path, Consumer<Session> handler) {
        webTransport.registerWebTransportServer(path, Objects.requireNonNull(handler));
    }

    /**
     * Registers a path whose sessions are attached to a {@link FlupkeSessionProbe} (incoming streams
     * queued), opened and put on {@link #acceptedSessions()} for the test to drive (e.g. server-initiated
     * streams via {@code probe.session().createBidirectionalStream()}, or {@code close(code, reason)}).
     *
     * @param path exact path
     */
    public void registerProbed(String path) {
        register(path, session -> {
            FlupkeSessionProbe probe = FlupkeSessionProbe.attach(session);
            open(session);
            acceptedSessions.add(probe);
        });
    }

    /**
     * Answers extended CONNECTs to {@code path} with {@code status} (sent with FIN) instead of running the
     * handler. Use a non-2xx status: Flupke treats anything but 200 as a rejection.
     *
     * @param path exact path without query
     * @param status HTTP status
     */
    public void respondWith(String path, int status) {
        forcedStatus.put(path, status);
    }

    /**
     * @return sessions accepted on {@value #ECHO_PATH} and on {@link #registerProbed} paths, in accept
     *         order; their {@link FlupkeSessionProbe#terminated()} shows the client's close code/reason
     */
    public BlockingQueue<FlupkeSessionProbe> acceptedSessions() {
        return acceptedSessions;
    }

    /**
     * Waits for the next accepted session.
     *
     * @param timeout maximum wait
     * @return its probe
     * @throws TimeoutException if none in time
     * @throws InterruptedException if interrupted
     */
    public FlupkeSessionProbe nextAcceptedSession(java.time.Duration timeout) throws TimeoutException, InterruptedException {
        FlupkeSessionProbe probe = acceptedSessions.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (probe == null) {
            throw new TimeoutException("no session accepted within " + timeout);
        }
        return probe;
    }

    /** @return every extended CONNECT received (any path, any status), in arrival order */
    public BlockingQueue<ConnectRequest> connectRequests() {
        return connectRequests;
    }

    /** Closes all connections (kwik waits up to a few seconds for them) and the socket. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                connector.close();
            }
            finally {
                executor.shutdownNow();
            }
        }
    }

    // ---------------------------------------------------------------- handlers

    private void handleConnect(Http3ServerExtension delegate, HttpHeaders headers, String protocol, String authority,
                               String pathAndQuery, IntConsumer statusCallback, HttpStream stream) {
        connectRequests.add(new ConnectRequest(protocol, authority, pathAndQuery, headers));
        Integer status = forcedStatus.get(pathOf(pathAndQuery));
        if (status != null) {
            statusCallback.accept(status);
            return;
        }
        delegate.handleExtendedConnect(headers, protocol, authority, pathAndQuery, statusCallback, stream);
    }

    private void echo(Session session) {
        FlupkeSessionProbe probe = FlupkeSessionProbe.attach(session,
                uni -> executor.execute(() -> echoUni(session, uni)),
                bidi -> executor.execute(() -> echoBidi(bidi)));
        open(session);
        acceptedSessions.add(probe);
    }

    private static void echoBidi(WebTransportStream stream) {
        try (InputStream in = stream.getInputStream(); OutputStream out = stream.getOutputStream()) {
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
            out.close();
            FlupkeWebTransportClient.keepSending(out); // kwik send race, see there
        }
        catch (Exception e) {
            LOG.debug("echo bidi ended: {}", e.toString());
        }
    }

    private static void echoUni(Session session, WebTransportStream stream) {
        try {
            byte[] data = stream.getInputStream().readAllBytes();
            WebTransportStream reply = session.createUnidirectionalStream();
            reply.getOutputStream().write(data);
            reply.getOutputStream().close();
            FlupkeWebTransportClient.keepSending(reply.getOutputStream()); // kwik send race, see there
        }
        catch (Exception e) {
            LOG.debug("echo uni ended: {}", e.toString());
        }
    }

    private static void open(Session session) {
        try {
            session.open();
        }
        catch (IllegalStateException e) {
            // Already terminated by the client before the handler ran.
            LOG.debug("session {} not opened: {}", session.getSessionId(), e.toString());
        }
    }

    private static void notFound(tech.kwik.flupke.server.HttpServerRequest request, HttpServerResponse response) {
        // Flupke runs this handler for every request first; an extended CONNECT continues to the extension only
        // if no status (or a 2xx) is set here.
        if (!"CONNECT".equals(request.method())) {
            response.setStatus(404);
        }
    }

    // ---------------------------------------------------------------- PEM

    private static List<X509Certificate> readCertificates(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            List<X509Certificate> chain = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast)
                    .toList();
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + pem);
            }
            return chain;
        }
    }

    private static PrivateKey readPrivateKey(Path pem) throws Exception {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader reader = Files.newBufferedReader(pem, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(reader)) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            }
        }
        throw new IllegalArgumentException("no unencrypted private key in " + pem);
    }

    private static String curveOf(X509Certificate certificate) {
        if (certificate.getPublicKey() instanceof ECPublicKey ec) {
            switch (ec.getParams().getCurve().getField().getFieldSize()) {
                case 256: return "secp256r1";
                case 384: return "secp384r1";
                case 521: return "secp521r1";
                default: throw new IllegalArgumentException("unsupported EC curve");
            }
        }
        return null;
    }

    private static String pathOf(String pathAndQuery) {
        try {
            return new URI(pathAndQuery).getPath();
        }
        catch (URISyntaxException e) {
            return pathAndQuery;
        }
    }

    private static String hex(Map<Long, Long> settings) {
        StringBuilder out = new StringBuilder("{");
        settings.forEach((id, value) -> out.append(out.length() > 1 ? ", " : "").append("0x")
                .append(Long.toHexString(id)).append('=').append(value));
        return out.append('}').toString();
    }
}
