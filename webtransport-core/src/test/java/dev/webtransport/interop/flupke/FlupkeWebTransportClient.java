package dev.webtransport.interop.flupke;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.core.QuicConnection;
import tech.kwik.flupke.Http3ClientConnection;
import tech.kwik.flupke.Http3SingleConnectionClient;
import tech.kwik.flupke.HttpError;
import tech.kwik.flupke.HttpStream;
import tech.kwik.flupke.impl.Http3ClientConnectionImpl;
import tech.kwik.flupke.webtransport.ClientSessionFactory;
import tech.kwik.flupke.webtransport.Session;
import tech.kwik.flupke.webtransport.WebTransportStream;

/**
 * A Flupke 0.9.4 WebTransport client for loopback interop tests: one QUIC/HTTP/3 connection (certificate
 * check disabled), stream credit for server-initiated streams, bounded waits, and static stream helpers.
 *
 * <p>The kwik QUIC connection is built here (not by {@code Http3Client}) so that it can be closed and
 * customised (e.g. {@code enableDatagramExtension()}); Flupke's own {@code ClientSessionFactory} does
 * the WebTransport part. What Flupke sends: SETTINGS {@code 0x1=0, 0x7=0, 0x14e9cd29=1} (plus
 * {@link Options#extraSettings()}), {@code :protocol webtransport}, no {@code origin} unless given,
 * uni streams {@code 0x54 <sid>}, bidi streams {@code 0x41 <sid>}. Flupke accepts a session only if the
 * server's SETTINGS carry {@code 0x08=1} and {@code 0x14e9cd29>=1}, and the CONNECT answer is 2xx.
 */
public final class FlupkeWebTransportClient implements AutoCloseable {

    /** Peer-initiated bidi and uni (in addition to HTTP/3's 3) streams the server may open. */
    public static final int DEFAULT_PEER_STREAM_CREDIT = 100;
    /** Per-bidi-stream receive window; kwik then uses 10x this as connection window. */
    public static final long DEFAULT_STREAM_RECEIVE_BUFFER = 1_000_000L;
    /** First HTTP/3 error code of the WebTransport application error range (draft-ietf-webtrans-http3). */
    public static final long WT_APPLICATION_ERROR_FIRST = 0x52e4a40fa8dbL;

    static {
        disableKwikAssertions();
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FlupkeWebTransportClient.class);
    /** How long a ServerHello may sit unprocessed before {@link #handshake} calls it kwik's race. */
    private static final Duration SERVER_HELLO_STUCK = Duration.ofMillis(300);
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService HELPER_POOL = Executors.newCachedThreadPool(daemon("flupke-helper"));
    /** Runs {@link #keepSending} pokes. */
    private static final ScheduledExecutorService NUDGER = Executors.newSingleThreadScheduledExecutor(daemon("kwik-nudge"));
    private static final long NUDGE_INTERVAL_MS = 20;
    private static final Duration KEEP_SENDING_LIMIT = Duration.ofMinutes(1);

    /**
     * Connection options.
     *
     * @param peerStreamCredit server-initiated bidi streams allowed, and uni streams on top of HTTP/3's 3
     * @param streamReceiveBuffer kwik {@code defaultStreamReceiveBufferSize} (bidi window; connection window
     *                            becomes 10x; must be >= 1024; Flupke's {@code receiveBufferSize} must never
     *                            exceed the connection window)
     * @param extraSettings extra HTTP/3 SETTINGS the client sends (Flupke forces {@code 0x14e9cd29=1};
     *                      ids 0x1, 0x7 and 0x8 are rejected by Flupke)
     * @param quicCustomizer last word on the kwik builder, e.g. {@code QuicClientConnection.Builder::enableDatagramExtension}
     */
    public record Options(int peerStreamCredit, long streamReceiveBuffer, Map<Long, Long> extraSettings,
                          Consumer<QuicClientConnection.Builder> quicCustomizer) {

        /**
         * Validates and copies.
         *
         * @param peerStreamCredit see record description
         * @param streamReceiveBuffer see record description
         * @param extraSettings see record description
         * @param quicCustomizer see record description
         */
        public Options {
            if (peerStreamCredit < 0 || streamReceiveBuffer < 1024) {
                throw new IllegalArgumentException("invalid credit/buffer");
            }
            extraSettings = Map.copyOf(extraSettings);
            Objects.requireNonNull(quicCustomizer);
        }

        /** @return 100/100 streams, 1 MB stream window, no extra settings, no customisation */
        public static Options defaults() {
            return new Options(DEFAULT_PEER_STREAM_CREDIT, DEFAULT_STREAM_RECEIVE_BUFFER, Map.of(), b -> { });
        }

        /**
         * @param settings extra SETTINGS to send
         * @return a copy with these extra settings
         */
        public Options withExtraSettings(Map<Long, Long> settings) {
            return new Options(peerStreamCredit, streamReceiveBuffer, settings, quicCustomizer);
        }

        /**
         * @param customizer applied to the kwik builder after the defaults
         * @return a copy with this customizer
         */
        public Options withQuicCustomizer(Consumer<QuicClientConnection.Builder> customizer) {
            return new Options(peerStreamCredit, streamReceiveBuffer, extraSettings, customizer);
        }

        /**
         * @param credit peer-initiated stream credit
         * @return a copy with this credit
         */
        public Options withPeerStreamCredit(int credit) {
            return new Options(credit, streamReceiveBuffer, extraSettings, quicCustomizer);
        }

        /**
         * @param bytes bidi stream receive window
         * @return a copy with this window
         */
        public Options withStreamReceiveBuffer(long bytes) {
            return new Options(peerStreamCredit, bytes, extraSettings, quicCustomizer);
        }
    }

    private final URI base;
    private final Duration timeout;
    private final QuicClientConnection quic;
    private final Http3ClientConnection h3;
    private final ClientSessionFactory factory;
    private final ExecutorService executor;
    private final Map<Session, FlupkeSessionProbe> probes = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private FlupkeWebTransportClient(URI base, Duration timeout, QuicClientConnection quic, Http3ClientConnection h3,
                                     ClientSessionFactory factory, ExecutorService executor) {
        this.base = base;
        this.timeout = timeout;
        this.quic = quic;
        this.h3 = h3;
        this.factory = factory;
        this.executor = executor;
    }

    /**
     * Connects (QUIC handshake, HTTP/3 control streams, waits for the server SETTINGS) with default options.
     *
     * @param serverUri {@code https://127.0.0.1:PORT/} (or {@code localhost}, {@code [::1]}); path ignored
     * @param timeout bound for the connect and, later, for each {@link #openSession} call
     * @return the connected client
     * @throws Exception e.g. {@link TimeoutException}, or kwik's connect failure
     */
    public static FlupkeWebTransportClient connect(URI serverUri, Duration timeout) throws Exception {
        return connect(serverUri, timeout, Options.defaults());
    }

    /**
     * Connects with the given options.
     *
     * @param serverUri {@code https://host:port/...}; only host and port are used
     * @param timeout bound for the connect and for each {@link #openSession} call
     * @param options connection options
     * @return the connected client
     * @throws Exception e.g. {@link TimeoutException}, or kwik's connect failure
     */
    public static FlupkeWebTransportClient connect(URI serverUri, Duration timeout, Options options) throws Exception {
        if (!"https".equalsIgnoreCase(serverUri.getScheme()) || serverUri.getHost() == null || serverUri.getPort() <= 0) {
            throw new IllegalArgumentException("need https://host:port, got " + serverUri);
        }
        URI base = new URI("https://" + serverUri.getHost() + ":" + serverUri.getPort());
        long deadline = System.nanoTime() + timeout.toNanos();
        ExecutorService executor = Executors.newCachedThreadPool(daemon("flupke-client"));
        QuicClientConnection quic = null;
        try {
            Connected connected = handshake(serverUri, deadline, options, executor);
            QuicClientConnection built = connected.quic();
            quic = built;
            Http3ClientConnectionImpl h3 = connected.h3();
            PreparedConnectionClient httpClient = new PreparedConnectionClient(built, h3, timeout);
            // HTTP/3 control stream (QUIC is already connected) and a wait (<= 10 s, Flupke-internal) for the server
            // SETTINGS.
            ClientSessionFactory factory = callWithTimeout(executor, remaining(deadline), "WebTransport connect to " + base,
                    () -> ClientSessionFactory.newBuilder().serverUri(base).httpClient(httpClient).build());
            return new FlupkeWebTransportClient(base, timeout, built, h3, factory, executor);
        }
        catch (Exception | Error e) {
            if (quic != null) {
                quic.close();
            }
            executor.shutdownNow();
            throw e;
        }
    }

    /**
     * The QUIC handshake, retried with a fresh connection when it hit a known kwik race, within {@code deadline}.
     *
     * <p>Kwik 0.10.8 / agent15 3.1 can lose a fast server's first answer. The TLS engine marks itself as waiting for
     * the ServerHello only after {@code send(ClientHello)} returned, and kwik records the ClientHello (needed to
     * answer a Retry) only after sending it. A ServerHello processed by kwik's receiver thread in between is
     * silently ignored ({@code TlsClientEngineImpl.received(ServerHello)} returns when the status is not yet
     * {@code WaitServerHello}; the CRYPTO data is consumed, so retransmissions do not help) and the handshake never
     * completes; a Retry processed in between crashes on the null ClientHello ("Handshake error: " without a
     * reason). On loopback against our native (quiche) server the first hit 1 to 2 connections in 100. This method
     * recognises exactly these two cases (the first by a ServerHello that sits in the Initial CRYPTO stream for
     * {@link #SERVER_HELLO_STUCK} while the engine still waits for one) and retries only them.
     */
    private static Connected handshake(URI serverUri, long deadline, Options options, ExecutorService executor)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            QuicClientConnection.Builder builder = QuicClientConnection.newBuilder()
                    .uri(new URI("//" + serverUri.getHost() + ":" + serverUri.getPort()))
                    .version(QuicConnection.QuicVersion.V1)
                    .applicationProtocol("h3")
                    .connectTimeout(remaining(deadline))
                    .maxOpenPeerInitiatedUnidirectionalStreams(3 + options.peerStreamCredit())
                    .maxOpenPeerInitiatedBidirectionalStreams(options.peerStreamCredit())
                    .defaultStreamReceiveBufferSize(options.streamReceiveBuffer())
                    .noServerCertificateCheck()
                    .logger(new KwikSlf4jLogger("client"));
            options.quicCustomizer().accept(builder);
            QuicClientConnection quic = builder.build();
            String race = null;
            try {
                // Flupke's connection registers its handlers for the server's streams (control stream with the
                // SETTINGS) when created, so it must exist before the handshake.
                Http3ClientConnectionImpl h3 = new Http3ClientConnectionImpl(quic, executor);
                options.extraSettings().forEach(h3::addSettingsParameter);
                Future<?> connect = executor.submit(() -> {
                    quic.connect();
                    return null;
                });
                long stuckSince = -1;
                while (true) {
                    try {
                        connect.get(50, TimeUnit.MILLISECONDS);
                        return new Connected(quic, h3);
                    }
                    catch (TimeoutException stillConnecting) {
                        if (remaining(deadline).isZero()) {
                            connect.cancel(true);
                            throw new TimeoutException("QUIC handshake with " + serverUri.getAuthority()
                                    + " did not complete within the connect timeout");
                        }
                        if (!serverHelloIgnored(quic)) {
                            stuckSince = -1;
                        }
                        else if (stuckSince < 0) {
                            stuckSince = System.nanoTime();
                        }
                        else if (System.nanoTime() - stuckSince > SERVER_HELLO_STUCK.toNanos()) {
                            race = "ServerHello ignored by kwik's TLS engine";
                            connect.cancel(true);
                            break;
                        }
                    }
                    catch (ExecutionException e) {
                        if (e.getCause() instanceof java.net.ConnectException c
                                && "Handshake error: ".equals(c.getMessage())) {
                            race = "Retry processed before kwik stored its ClientHello";
                            break;
                        }
                        throw e.getCause() instanceof Exception cause ? cause : e;
                    }
                }
            }
            catch (Exception | Error e) {
                quic.close();
                throw e;
            }
            quic.close();
            if (remaining(deadline).compareTo(Duration.ofMillis(500)) < 0) {
                throw new TimeoutException("QUIC handshake with " + serverUri.getAuthority() + " failed: " + race);
            }
            LOG.warn("QUIC handshake attempt {} with {} hit a kwik race ({}); retrying with a new connection",
                    attempt, serverUri.getAuthority(), race);
        }
    }

    /** Whether kwik holds a received ServerHello that its TLS engine ignored (see {@link #handshake}); false if unknown. */
    private static boolean serverHelloIgnored(QuicClientConnection quic) {
        try {
            Object engine = declaredField(quic, "tlsEngine");
            if (!"WaitServerHello".equals(String.valueOf(declaredField(engine, "status")))) {
                return false;
            }
            Method cryptoStream = tech.kwik.core.impl.QuicConnectionImpl.class
                    .getDeclaredMethod("getCryptoStream", tech.kwik.core.common.EncryptionLevel.class);
            cryptoStream.setAccessible(true);
            Object initial = cryptoStream.invoke(quic, tech.kwik.core.common.EncryptionLevel.Initial);
            List<?> received = List.copyOf((List<?>) initial.getClass().getMethod("getTlsMessages").invoke(initial));
            return received.stream().anyMatch(m -> m.getClass().getSimpleName().equals("ServerHello"));
        }
        catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    private record Connected(QuicClientConnection quic, Http3ClientConnectionImpl h3) {
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /**
     * Opens a WebTransport session (extended CONNECT {@code :protocol webtransport}); incoming streams and
     * the terminated event are captured by a {@link FlupkeSessionProbe} (see {@link #probe(Session)}),
     * then the session is opened.
     *
     * @param path path (and query) starting with "/"
     * @return the open session
     * @throws HttpError on a non-2xx answer ({@link #statusOf(Throwable)} gives the status; the message
     *         reads "CONNECT request failed (404)")
     * @throws IllegalStateException if the server's {@code 0x14e9cd29} is absent/0 or the limit is reached
     * @throws java.net.ProtocolException if the server's SETTINGS lack {@code 0x08=1}
     * @throws TimeoutException if no answer arrives within the client's timeout
     */
    public Session openSession(String path) throws Exception {
        return openSession(path, Map.of());
    }

    /**
     * Opens a session sending extra request header fields (e.g. {@code origin}); Flupke copies all
     * headers of the {@link HttpRequest} into the CONNECT HEADERS frame. Names are lower-cased; the JDK
     * rejects {@code connection, content-length, expect, host, upgrade}.
     *
     * @param path path (and query) starting with "/"
     * @param headers extra regular header fields
     * @return the open session
     * @throws Exception as {@link #openSession(String)}
     */
    public Session openSession(String path, Map<String, String> headers) throws Exception {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + path);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        new LinkedHashMap<>(headers).forEach((name, value) -> request.header(name.toLowerCase(Locale.ROOT), value));
        HttpRequest built = request.build();
        Session session = callWithTimeout(executor, timeout, "CONNECT " + path, () -> factory.createSession(built));
        probes.put(session, FlupkeSessionProbe.attach(session));
        session.open();
        return session;
    }

    /**
     * @param session a session opened by this client
     * @return the probe holding its incoming streams and terminated event
     */
    public FlupkeSessionProbe probe(Session session) {
        FlupkeSessionProbe probe = probes.get(session);
        if (probe == null) {
            throw new IllegalArgumentException("session not opened by this client");
        }
        return probe;
    }

    /**
     * @param identifier HTTP/3 SETTINGS id
     * @return the value the server sent, if any (the SETTINGS were received during connect)
     */
    public Optional<Long> peerSetting(long identifier) {
        return h3.getPeerSettingsParameter(identifier);
    }

    /** @return the server's {@code 0x14e9cd29} as read by Flupke */
    public int maxConcurrentSessions() {
        return factory.getMaxConcurrentSessions();
    }

    /** @return the kwik connection (datagrams via {@code sendDatagram}/{@code setDatagramHandler} if enabled) */
    public QuicClientConnection quicConnection() {
        return quic;
    }

    /** @return {@code https://host:port} of the server */
    public URI serverUri() {
        return base;
    }

    /** Closes the QUIC connection (CONNECTION_CLOSE, no WebTransport capsules) and the client's threads. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                quic.close();
            }
            finally {
                executor.shutdownNow();
            }
        }
    }

    // ---------------------------------------------------------------- static helpers

    /**
     * Returns the HTTP status of a failed {@link #openSession} (Flupke's {@link HttpError}, searched
     * along the cause chain), or -1.
     *
     * @param error any throwable
     * @return the status or -1
     */
    public static int statusOf(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof HttpError httpError && httpError.getStatusCode() != null) {
                return httpError.getStatusCode();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return -1;
    }

    /**
     * Reads until FIN on a helper thread. On timeout the blocked read stays parked until the stream or
     * connection ends (kwik reads are not interruptible).
     *
     * @param in a stream's input
     * @param timeout maximum wait for FIN
     * @return all bytes
     * @throws IOException if the stream was reset ("Stream reset by peer"), aborted or the connection closed
     * @throws TimeoutException if FIN does not arrive in time
     * @throws InterruptedException if interrupted
     */
    public static byte[] readAll(InputStream in, Duration timeout)
            throws IOException, TimeoutException, InterruptedException {
        try {
            return callWithTimeout(HELPER_POOL, timeout, "read until FIN", in::readAllBytes);
        }
        catch (IOException | TimeoutException | InterruptedException | RuntimeException e) {
            throw e;
        }
        catch (Exception e) {
            throw new IOException(e);
        }
    }

    /**
     * Reads exactly {@code n} bytes (without waiting for FIN).
     *
     * @param in a stream's input
     * @param n number of bytes
     * @param timeout maximum wait
     * @return the bytes
     * @throws IOException on EOF before n bytes, reset or abort
     * @throws TimeoutException if the bytes do not arrive in time
     * @throws InterruptedException if interrupted
     */
    public static byte[] readExactly(InputStream in, int n, Duration timeout)
            throws IOException, TimeoutException, InterruptedException {
        try {
            return callWithTimeout(HELPER_POOL, timeout, "read " + n + " bytes", () -> {
                byte[] data = in.readNBytes(n);
                if (data.length != n) {
                    throw new IOException("EOF after " + data.length + " of " + n + " bytes");
                }
                return data;
            });
        }
        catch (IOException | TimeoutException | InterruptedException | RuntimeException e) {
            throw e;
        }
        catch (Exception e) {
            throw new IOException(e);
        }
    }

    /**
     * Writes {@code data} and closes the output (FIN). May block on flow control.
     *
     * @param stream a bidi or outgoing uni stream
     * @param data payload
     * @throws IOException if the stream was stopped/reset or the session is gone
     */
    public static void writeAndFinish(WebTransportStream stream, byte[] data) throws IOException {
        OutputStream out = stream.getOutputStream();
        out.write(data);
        out.close();
        keepSending(out);
    }

    /**
     * Works around a kwik 0.10.8 race that can leave written bytes (and the FIN) unsent forever. Kwik's
     * {@code StreamOutputStreamImpl.scheduleSendStreamFrameRequest} reads its {@code sendRequestsQueued} counter,
     * registers a send callback and only then increments the counter. When kwik's sender thread runs that callback
     * in between, the counter is -1 at the moment the callback wants to queue itself again for the rest of the
     * buffer, so no new request is queued: one frame goes out and the remaining bytes stay in kwik's send buffer
     * until the application's next {@code write}/{@code close}. After the final {@code close()} there is none, and
     * the stream stalls (seen on loopback against our server in roughly 1 of 10 runs of 10 concurrent 4-7 KB
     * streams: two packets sent, then nothing, with {@code sendRequestsQueued == 0} and data still buffered).
     *
     * <p>After the output was closed this calls that (private) method again every 20 ms, exactly what the lost
     * re-queue would have done, until kwik has sent the final frame or the output was reset/aborted, at most for a
     * minute. A superfluous call is harmless: the sender finds nothing to send. Does nothing for other streams or
     * if kwik's internals differ.
     *
     * @param out the kwik output stream of a Flupke WebTransport stream, already closed
     */
    public static void keepSending(OutputStream out) {
        Method schedule;
        try {
            schedule = out.getClass().getDeclaredMethod("scheduleSendStreamFrameRequest", boolean.class);
            schedule.setAccessible(true);
        }
        catch (ReflectiveOperationException | RuntimeException e) {
            return; // not kwik's StreamOutputStreamImpl
        }
        long deadline = System.nanoTime() + KEEP_SENDING_LIMIT.toNanos();
        NUDGER.schedule(() -> nudge(out, schedule, deadline), NUDGE_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    private static void nudge(OutputStream out, Method schedule, long deadline) {
        if (outputFinished(out) || System.nanoTime() - deadline > 0) {
            return;
        }
        try {
            schedule.invoke(out, true); // queues a send request only if none is queued, and wakes the sender
        }
        catch (ReflectiveOperationException | RuntimeException e) {
            return;
        }
        NUDGER.schedule(() -> nudge(out, schedule, deadline), NUDGE_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** Whether kwik sent the final frame (or reset/aborted the output); false when that cannot be read. */
    private static boolean outputFinished(OutputStream out) {
        try {
            if (Boolean.TRUE.equals(declaredField(out, "aborted"))) {
                return true;
            }
            Object quicStream = declaredField(out, "quicStream");
            return Boolean.TRUE.equals(declaredField(quicStream, "outputClosed"));
        }
        catch (ReflectiveOperationException | RuntimeException e) {
            return false; // keep nudging until the deadline
        }
    }

    private static Object declaredField(Object target, String name) throws ReflectiveOperationException {
        for (Class<?> c = target.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField(name);
                field.setAccessible(true);
                return field.get(target);
            }
            catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(name + " in " + target.getClass());
    }

    /**
     * Sends RESET_STREAM with a raw HTTP/3 error code (no public Flupke API: uses the {@code HttpStream}
     * captured inside Flupke's stream wrapper, found by reflection; classpath only).
     *
     * @param stream a Flupke WebTransport stream with a send side
     * @param http3ErrorCode e.g. {@link #toHttp3ErrorCode(long)} of a WebTransport code
     */
    public static void resetStream(WebTransportStream stream, long http3ErrorCode) {
        httpStreamOf(stream).resetStream(http3ErrorCode);
    }

    /**
     * Sends STOP_SENDING with a raw HTTP/3 error code (reflection as {@link #resetStream}).
     *
     * @param stream a Flupke WebTransport stream with a receive side
     * @param http3ErrorCode the code
     */
    public static void abortReading(WebTransportStream stream, long http3ErrorCode) {
        httpStreamOf(stream).abortReading(http3ErrorCode);
    }

    /**
     * @param stream a Flupke WebTransport stream
     * @return its QUIC stream id (reflection as {@link #resetStream})
     */
    public static long streamIdOf(WebTransportStream stream) {
        return httpStreamOf(stream).getStreamId();
    }

    /**
     * Maps a 32-bit WebTransport application error code to its HTTP/3 code
     * ({@code 0x52e4a40fa8db + n + n / 0x1e}).
     *
     * @param webTransportCode 0..0xffffffff
     * @return the HTTP/3 error code
     */
    public static long toHttp3ErrorCode(long webTransportCode) {
        if (webTransportCode < 0 || webTransportCode > 0xffffffffL) {
            throw new IllegalArgumentException("not a 32-bit code: " + webTransportCode);
        }
        return WT_APPLICATION_ERROR_FIRST + webTransportCode + webTransportCode / 0x1e;
    }

    private static HttpStream httpStreamOf(WebTransportStream stream) {
        for (Class<?> c = stream.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (HttpStream.class.isAssignableFrom(field.getType())) {
                    try {
                        field.setAccessible(true);
                        return (HttpStream) field.get(stream);
                    }
                    catch (ReflectiveOperationException | RuntimeException e) {
                        throw new IllegalStateException("cannot reach Flupke's HttpStream in " + c, e);
                    }
                }
            }
        }
        throw new IllegalStateException("no HttpStream inside " + stream.getClass() + " (Flupke version changed?)");
    }

    /**
     * Switches Java assertions off for kwik, Flupke and agent15 (effective for their classes not yet initialised;
     * the fixtures call it before any kwik class is used). Surefire runs tests with {@code -ea}, and kwik 0.10.8
     * asserts {@code lossDelay > 0} in {@code LossDetector.detectLostPackets}, i.e. a smoothed RTT of at least 1 ms;
     * on loopback the RTT is often 0 ms, the AssertionError kills kwik's receiver thread and the connection goes
     * deaf (the client keeps retransmitting, the server's packets are never processed). Kwik runs with assertions
     * off in production.
     */
    public static void disableKwikAssertions() {
        ClassLoader loader = FlupkeWebTransportClient.class.getClassLoader();
        if (loader != null) {
            loader.setPackageAssertionStatus("tech.kwik", false);
        }
    }

    static <T> T callWithTimeout(ExecutorService pool, Duration timeout, String what, Callable<T> task) throws Exception {
        Future<T> future = pool.submit(task);
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (TimeoutException e) {
            future.cancel(true);
            throw new TimeoutException(what + " did not complete within " + timeout);
        }
        catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
        catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        }
    }

    static java.util.concurrent.ThreadFactory daemon(String prefix) {
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Hands Flupke's session factory our pre-built, not yet connected HTTP/3 connection. */
    private static final class PreparedConnectionClient extends Http3SingleConnectionClient {
        private final Http3ClientConnection connection;

        PreparedConnectionClient(QuicConnection quic, Http3ClientConnection connection, Duration connectTimeout) {
            super(quic, connectTimeout, null);
            this.connection = connection;
        }

        @Override
        public Http3ClientConnection createConnection(HttpRequest request) {
            return connection;
        }
    }
}
