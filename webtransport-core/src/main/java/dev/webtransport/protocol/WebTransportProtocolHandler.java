package dev.webtransport.protocol;

import dev.webtransport.protocol.wire.Capsule;
import dev.webtransport.protocol.wire.CapsuleEncoder;
import dev.webtransport.protocol.wire.CapsuleTypes;
import dev.webtransport.protocol.wire.CloseSessionCapsule;
import dev.webtransport.protocol.wire.FlowControlCapsules;
import dev.webtransport.protocol.wire.ErrorCodes;
import dev.webtransport.protocol.wire.HttpDatagram;
import dev.webtransport.protocol.wire.SettingsIds;
import dev.webtransport.protocol.wire.StreamPreamble;
import dev.webtransport.protocol.wire.WebTransportDialect;
import dev.webtransport.protocol.wire.WireFormatException;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.SessionDecision;
import dev.webtransport.session.SessionRequest;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionAcceptor;
import dev.webtransport.session.WebTransportSessionHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3GoAwayFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamErrors;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The per-connection WebTransport state machine (the seed's {@code WebTransportProtocolHandler}). It owns every
 * session and stream of one QUIC connection and is touched only on that connection's event loop: the Netty adapters
 * feed it through {@link #handleQuicEvent(QuicEvent)}, and every public method may be called from any thread (it hops
 * onto the event loop and returns a future). User callbacks run on the configured executor.
 */
public final class WebTransportProtocolHandler {
    static final Logger LOG = LoggerFactory.getLogger(WebTransportProtocolHandler.class);
    /** Largest initial session data limit we advertise (no session flow control is enforced). */
    static final long UNLIMITED_DATA = (1L << 62) - 1;
    /** Largest initial session stream limit we advertise. */
    static final long UNLIMITED_STREAMS = 1L << 60;
    private static final int MAX_REQUESTS_AWAITING_SETTINGS = 16;

    private final QuicChannel quicChannel;
    private final boolean isClient;
    private final ProtocolHandlerConfig config;
    private final Executor executor;
    private final WebTransportSessionAcceptor acceptor;
    private final ProtocolCounters counters;
    private final StreamHandlerFactory streamHandlers;
    private final Instant createdAt = Instant.now();
    private final Map<Long, SessionImpl> sessions = new ConcurrentHashMap<>();
    private final Map<Long, StreamImpl> streams = new ConcurrentHashMap<>();
    private final Map<Long, BufferedStream> bufferedStreams = new LinkedHashMap<>();
    private final List<QuicEvent.SessionRequested> requestsAwaitingSettings = new ArrayList<>();
    private final ArrayDeque<PendingOpen> pendingOpens = new ArrayDeque<>();
    private final Map<EventType, List<Consumer<WebTransportEvent>>> listeners = new ConcurrentHashMap<>();
    private final CompletableFuture<Map<Long, Long>> peerSettingsFuture = new CompletableFuture<>();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private long highestSessionId = -1;
    private volatile ConnectionState connectionState = ConnectionState.CONNECTING;
    private volatile Map<Long, Long> peerSettings = Map.of();
    private volatile WebTransportDialect dialect;
    private volatile boolean flowControlEnabled;
    private volatile long rttNanos;
    private long rttSampledNanos;
    private volatile int maxDatagramFrameSize;
    private volatile long lastActivityNanos = System.nanoTime();
    private volatile Object connection;

    /**
     * @param quicChannel    the QUIC connection
     * @param isClient       whether this is the client side
     * @param config         engine limits
     * @param executor       where user callbacks and future completions run (never an event loop)
     * @param acceptor       server: decides on session requests; null leaves them pending for
     *                       {@link #acceptWebTransportSession}; ignored on clients
     * @param parentCounters totals this handler also counts into (the server's or client's), or null
     * @param streamHandlers the Netty adapters for streams this handler opens
     */
    public WebTransportProtocolHandler(QuicChannel quicChannel, boolean isClient, ProtocolHandlerConfig config,
                                       Executor executor, WebTransportSessionAcceptor acceptor,
                                       ProtocolCounters parentCounters, StreamHandlerFactory streamHandlers) {
        this.quicChannel = Objects.requireNonNull(quicChannel, "quicChannel");
        this.isClient = isClient;
        this.config = Objects.requireNonNull(config, "config");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.acceptor = acceptor;
        this.counters = new ProtocolCounters(parentCounters);
        this.streamHandlers = Objects.requireNonNull(streamHandlers, "streamHandlers");
    }

    /**
     * The HTTP/3 SETTINGS a WebTransport endpoint sends: the union that Chromium (draft-02), draft-07 peers, Flupke
     * and draft-13 peers need (wire sheet §12.1). QPACK's dynamic table stays off.
     */
    public static Map<Long, Long> localSettings(ProtocolHandlerConfig config, boolean isClient) {
        Map<Long, Long> s = new LinkedHashMap<>();
        s.put(SettingsIds.QPACK_MAX_TABLE_CAPACITY, 0L);
        s.put(SettingsIds.QPACK_BLOCKED_STREAMS, 0L);
        if (!isClient) {
            s.put(SettingsIds.ENABLE_CONNECT_PROTOCOL, 1L);
        }
        s.put(SettingsIds.H3_DATAGRAM, 1L);
        s.put(SettingsIds.ENABLE_WEBTRANSPORT_DRAFT02, 1L);
        s.put(SettingsIds.WEBTRANSPORT_MAX_SESSIONS_DRAFT07, (long) config.maxSessionsPerConnection());
        FlowControlConfig fc = config.flowControl();
        // draft-13: WT_MAX_SESSIONS > 1 on both sides switches session flow control on, so without it we offer one
        s.put(SettingsIds.WT_MAX_SESSIONS, fc.enabled() ? (long) config.maxSessionsPerConnection() : 1L);
        if (fc.enabled()) {
            // non-zero initial limits declare session flow control (draft-14+); without it we send none, since any
            // non-zero value would declare it
            s.put(SettingsIds.WT_INITIAL_MAX_DATA, fc.initialMaxData());
            s.put(SettingsIds.WT_INITIAL_MAX_STREAMS_UNI, fc.initialMaxStreamsUni());
            s.put(SettingsIds.WT_INITIAL_MAX_STREAMS_BIDI, fc.initialMaxStreamsBidi());
        }
        return s;
    }

    // ================================================================== seed properties

    /** Whether the QUIC connection is established and not closed. */
    public boolean isConnected() {
        return connectionState == ConnectionState.CONNECTED || connectionState == ConnectionState.DRAINING;
    }

    /** The owning server- or client-side connection object, if one registered itself. */
    public Object connection() {
        return connection;
    }

    /** Registers the owning connection object (see {@link #connection()}). */
    public void connection(Object owner) {
        this.connection = owner;
    }

    public ConnectionState connectionState() {
        return connectionState;
    }

    /** The Netty QUIC connection (the seed's {@code quic_connection}). */
    public QuicChannel quicConnection() {
        return quicChannel;
    }

    public boolean isClient() {
        return isClient;
    }

    /** A snapshot of the counters (the seed's {@code stats}). */
    public HandlerStats stats() {
        return counters.snapshot(createdAt, activeSessionCount(), streams.size());
    }

    /** The peer's SETTINGS (empty until they arrive). */
    public Map<Long, Long> peerSettings() {
        return peerSettings;
    }

    /** The wire dialect chosen from the peer's SETTINGS, or null before they arrive. */
    public WebTransportDialect dialect() {
        return dialect;
    }

    /**
     * Whether session flow control applies on this connection: we enable it and the peer declared it in its SETTINGS
     * (false before they arrive).
     */
    public boolean isFlowControlEnabled() {
        return flowControlEnabled;
    }

    /**
     * Sessions this connection may carry at once (0 before the peer's SETTINGS). Draft-13+ allow a second session
     * only with session flow control; draft-02/07 peers (Chromium) get the configured limit, and for a client the
     * server's advertised limit counts too.
     */
    public long sessionLimit() {
        Map<Long, Long> ps = peerSettings;
        if (ps.isEmpty()) {
            return 0;
        }
        long limit = config.maxSessionsPerConnection();
        if (isClient) {
            long serverMax = Math.max(ps.getOrDefault(SettingsIds.WT_MAX_SESSIONS, 0L),
                    ps.getOrDefault(SettingsIds.WEBTRANSPORT_MAX_SESSIONS_DRAFT07, 0L));
            if (serverMax == 0 && ps.getOrDefault(SettingsIds.ENABLE_WEBTRANSPORT_DRAFT02, 0L) == 1) {
                serverMax = 1;
            }
            limit = Math.max(1, serverMax);
        }
        if (!flowControlEnabled && (dialect == WebTransportDialect.DRAFT_13 || dialect == WebTransportDialect.DRAFT_15)) {
            limit = Math.min(limit, 1);
        }
        return limit;
    }

    /** Completes when the connection is gone. */
    public CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    /** Subscribes to events of one type; listeners run on the executor. */
    public void on(EventType type, Consumer<WebTransportEvent> listener) {
        listeners.computeIfAbsent(type, t -> new CopyOnWriteArrayList<>()).add(listener);
    }

    /** Removes a listener added with {@link #on}. */
    public void off(EventType type, Consumer<WebTransportEvent> listener) {
        List<Consumer<WebTransportEvent>> l = listeners.get(type);
        if (l != null) {
            l.remove(listener);
        }
    }

    // ================================================================== seed methods

    /** Closes every session (code 0) and then the QUIC connection. */
    public CompletableFuture<Void> close() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        runOnLoop(() -> {
            if (connectionState == ConnectionState.CLOSED || connectionState == ConnectionState.FAILED) {
                completeAsync(f, null);
                return;
            }
            connectionState = ConnectionState.CLOSING;
            List<CompletableFuture<Void>> closes = new ArrayList<>();
            for (SessionImpl s : sessions.values()) {
                closes.add(closeSession(s, new CloseSessionCapsule(0, "")));
            }
            // Also wait (bounded below) for the peer's SETTINGS: closing a QUIC connection whose handshake has just
            // completed can make the QUIC library bundled with Netty 4.2.18 spin for ever in
            // QuicheQuicChannel.doClose() -> connectionSend(), wedging the whole event loop. Once the peer's first
            // 1-RTT data has arrived it does not happen (WebTransportProtocolHandlerTest closes right after connect).
            closes.add(peerSettingsFuture.handle((settings, error) -> null));
            CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new))
                    .orTimeout(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((v, e) -> quicChannel.close(true, (int) ErrorCodes.H3_NO_ERROR,
                            io.netty.buffer.Unpooled.EMPTY_BUFFER));
            closeFuture.whenComplete((v, e) -> completeAsync(f, null));
        }, f);
        return f;
    }

    /** Marks the QUIC connection established (called by the adapters on channel activation). */
    public void connectionEstablished() {
        handleQuicEvent(new QuicEvent.ConnectionEstablished());
    }

    /** Aborts a stream immediately: resets its send side and stops its receive side with an application code. */
    public CompletableFuture<Void> abortStream(long streamId, long errorCode) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        runOnLoop(() -> {
            StreamImpl s = streams.get(streamId);
            if (s == null) {
                failAsync(f, new StreamException("unknown stream " + streamId, -1));
                return;
            }
            long http3 = ErrorCodes.webTransportToHttp3(errorCode);
            if (s.direction().canSend()) {
                s.resetOnLoop(http3, errorCode, "aborted");
            }
            if (s.direction().canReceive()) {
                s.stopSendingOnLoop(http3, errorCode); // also fails local reads still waiting on the stream
            }
            completeAsync(f, null);
        }, f);
        return f;
    }

    /**
     * Accepts a session request that is pending because no acceptor was configured (server only). {@code streamId}
     * and {@code sessionId} are equal for WebTransport over HTTP/3.
     */
    public CompletableFuture<WebTransportSession> acceptWebTransportSession(long streamId, long sessionId,
                                                                          WebTransportSessionHandler sessionHandler) {
        requireServer();
        if (streamId != sessionId) {
            throw new IllegalArgumentException("session id must equal the CONNECT stream id");
        }
        CompletableFuture<WebTransportSession> f = new CompletableFuture<>();
        runOnLoop(() -> {
            PendingRequest p = pendingRequests.remove(sessionId);
            if (p == null) {
                failAsync(f, new SessionException("no pending session " + sessionId, -1));
                return;
            }
            SessionImpl s = acceptOnLoop(p, new SessionDecision.Accept(sessionHandler, null, Map.of()));
            if (s == null) {
                failAsync(f, new SessionException("session " + sessionId + " could not be accepted", -1));
            } else {
                completeAsync(f, s);
            }
        }, f);
        return f;
    }

    /** Rejects a pending session request with an HTTP status (server only). */
    public CompletableFuture<Void> rejectWebTransportSession(long sessionId, int status) {
        requireServer();
        CompletableFuture<Void> f = new CompletableFuture<>();
        runOnLoop(() -> {
            PendingRequest p = pendingRequests.remove(sessionId);
            if (p != null) {
                rejectOnLoop(p, status);
            }
            completeAsync(f, null);
        }, f);
        return f;
    }

    /** Closes a session with a 32-bit code and a reason (at most 1024 UTF-8 bytes; longer is truncated). */
    public CompletableFuture<Void> closeWebTransportSession(long sessionId, long code, String reason) {
        SessionImpl s = sessions.get(sessionId);
        if (s == null) {
            return CompletableFuture.failedFuture(new SessionException("unknown session " + sessionId, -1));
        }
        return s.close(code, reason);
    }

    /**
     * Sends an extended CONNECT for a new session (client only) and completes with the session once the server
     * answered 2xx; fails with a {@link SessionException} carrying the HTTP status otherwise.
     */
    public CompletableFuture<WebTransportSession> createWebTransportSession(String authority, String path,
                                                                          Map<String, String> headers,
                                                                          WebTransportSessionHandler sessionHandler) {
        requireClient();
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(sessionHandler, "sessionHandler");
        CompletableFuture<WebTransportSession> f = new CompletableFuture<>();
        peerSettingsFuture.whenComplete((settings, e) -> runOnLoop(() -> {
            if (e != null) {
                failAsync(f, e instanceof WebTransportException we ? we
                        : new ConnectionException("connection failed before SETTINGS: " + e, -1, e));
                return;
            }
            if (!supportsWebTransport(settings)) {
                failAsync(f, new ProtocolException("server does not support WebTransport (SETTINGS " + settings + ")",
                        ErrorCodes.H3_SETTINGS_ERROR));
                return;
            }
            long limit = sessionLimit();
            if (activeSessionCount() >= limit) {
                failAsync(f, new SessionException("connection has no room for another session (" + limit
                        + " allowed" + (flowControlEnabled ? "" : " without session flow control") + ")",
                        ErrorCodes.H3_REQUEST_REJECTED));
                return;
            }
            Runnable open = () -> Http3.newRequestStream(quicChannel, streamHandlers.connectStreamHandler(this))
                    .addListener(cf -> {
                        if (!cf.isSuccess()) {
                            failAsync(f, new ConnectionException("cannot open CONNECT stream: " + cf.cause(), -1,
                                    cf.cause()));
                            return;
                        }
                        QuicStreamChannel stream = (QuicStreamChannel) cf.getNow();
                        sendConnect(stream, authority, path, headers, sessionHandler, f);
                    });
            if (quicChannel.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) <= 0 || !pendingConnects.isEmpty()) {
                // Netty refreshes its stream-credit count only when it is exactly 0: never open past it.
                pendingConnects.add(new PendingConnect(open, f, System.nanoTime() + config.streamOpenTimeout().toNanos()));
                quicChannel.eventLoop().schedule(this::drainPendingOpens, config.streamOpenTimeout().toMillis() + 1,
                        TimeUnit.MILLISECONDS);
                return;
            }
            open.run();
        }, f));
        return f;
    }

    /** A CONNECT stream waiting for bidirectional stream credit (client side). */
    private record PendingConnect(Runnable open, CompletableFuture<WebTransportSession> future, long deadlineNanos) {
    }

    private final ArrayDeque<PendingConnect> pendingConnects = new ArrayDeque<>();

    /** {@link #createWebTransportSession} bounded by a timeout (the seed's {@code establish_session}). */
    public CompletableFuture<WebTransportSession> establishSession(String authority, String path,
                                                                 Map<String, String> headers,
                                                                 WebTransportSessionHandler sessionHandler,
                                                                 Duration timeout) {
        CompletableFuture<WebTransportSession> f = createWebTransportSession(authority, path, headers, sessionHandler);
        CompletableFuture<WebTransportSession> bounded = new CompletableFuture<>();
        ScheduledFuture<?> timer = quicChannel.eventLoop().schedule(() -> {
            if (bounded.completeExceptionally(new WebTransportTimeoutException("establishing session " + path, timeout))) {
                f.thenAccept(s -> s.close(0, "establish timeout"));
                // A CONNECT still waiting for its response is cancelled, so it no longer holds a session slot.
                Long waiting = null;
                for (Map.Entry<Long, CompletableFuture<WebTransportSession>> e : connecting.entrySet()) {
                    if (e.getValue() == f) {
                        waiting = e.getKey();
                    }
                }
                SessionImpl pending = waiting == null ? null : sessions.get(waiting);
                if (pending != null) {
                    closeSession(pending, new CloseSessionCapsule(0, "establish timeout"));
                }
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        f.whenComplete((s, e) -> {
            timer.cancel(false);
            if (e != null) {
                bounded.completeExceptionally(e);
            } else if (!bounded.complete(s)) {
                s.close(0, "establish timeout");
            }
        });
        return bounded;
    }

    /**
     * Re-establishes a failed or closed client session on a new connection (the seed's {@code recover_session}),
     * trying at most {@code maxRetries} times with backoff. Completes with true when a replacement session is ready
     * (it is handed to the original session handler's {@code onOpen}), false when every attempt failed.
     */
    public CompletableFuture<Boolean> recoverSession(long sessionId, int maxRetries) {
        requireClient();
        if (maxRetries < 1) {
            throw new IllegalArgumentException("maxRetries must be at least 1");
        }
        SessionImpl s = sessions.get(sessionId);
        if (s == null) {
            s = recentlyEnded.get(sessionId);
        }
        if (s == null) {
            return CompletableFuture.failedFuture(new SessionException("unknown session " + sessionId, -1));
        }
        if (!(connection instanceof SessionRecoverer recoverer)) {
            return CompletableFuture.failedFuture(new IllegalStateException("no client owns this connection"));
        }
        return recoverer.recoverLike(s, s.userHandlerOrNoop(), maxRetries)
                .handle((session, error) -> error == null && session != null);
    }

    /** Opens a data stream on a session; completes with its stream id. */
    public CompletableFuture<Long> createWebTransportStream(long sessionId, boolean isUnidirectional) {
        SessionImpl s = sessions.get(sessionId);
        if (s == null) {
            return CompletableFuture.failedFuture(new SessionException("unknown session " + sessionId, -1));
        }
        return openStream(s, isUnidirectional ? QuicStreamType.UNIDIRECTIONAL : QuicStreamType.BIDIRECTIONAL)
                .thenApply(StreamImpl::streamId);
    }

    /** Feeds one event from the Netty adapters into the state machine; hops onto the event loop if needed. */
    public void handleQuicEvent(QuicEvent event) {
        if (!quicChannel.eventLoop().inEventLoop()) {
            quicChannel.eventLoop().execute(() -> handleQuicEvent(event));
            return;
        }
        try {
            dispatchEvent(event);
        } catch (WireFormatException e) {
            protocolViolation(e.errorCode(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("WebTransport engine failed on {}", event.getClass().getSimpleName(), e);
            counters.increment(ProtocolCounters.Kind.PROTOCOL_ERRORS);
        }
    }

    /** Sends a datagram on a session (the payload is prefixed with the quarter stream id). */
    public CompletableFuture<Void> sendWebTransportDatagram(long sessionId, byte[] data) {
        SessionImpl s = sessions.get(sessionId);
        if (s == null) {
            return CompletableFuture.failedFuture(new SessionException("unknown session " + sessionId, -1));
        }
        return sendDatagram(s, data);
    }

    /** Writes data on a stream, optionally ending it. */
    public CompletableFuture<Void> sendWebTransportStreamData(long streamId, byte[] data, boolean endStream) {
        StreamImpl s = streams.get(streamId);
        if (s == null) {
            return CompletableFuture.failedFuture(new StreamException("unknown stream " + streamId, -1));
        }
        return s.write(data, endStream);
    }

    /** Every current session's info. */
    public List<WebTransportSessionInfo> getAllSessions() {
        List<WebTransportSessionInfo> all = new ArrayList<>();
        for (SessionImpl s : sessions.values()) {
            all.add(s.info());
        }
        return all;
    }

    /** The user-facing session for an id, or null. */
    public WebTransportSession session(long sessionId) {
        return sessions.get(sessionId);
    }

    /** Every current session. */
    public List<WebTransportSession> sessions() {
        return List.copyOf(sessions.values());
    }

    /** Health of this connection (the seed's {@code get_health_status}). */
    public HealthStatus getHealthStatus() {
        HandlerStats st = stats();
        HealthStatus.Status status;
        if (!isConnected()) {
            status = HealthStatus.Status.UNHEALTHY;
        } else if (st.errorRate() > HealthStatus.DEGRADED_ERROR_RATE) {
            status = HealthStatus.Status.DEGRADED;
        } else {
            status = HealthStatus.Status.HEALTHY;
        }
        return new HealthStatus(status, connectionState, st.activeSessions(), st.activeStreams(), st.errorRate(),
                Duration.between(createdAt, Instant.now()),
                Duration.ofNanos(System.nanoTime() - lastActivityNanos));
    }

    /** Info of one session, or null when unknown. */
    public WebTransportSessionInfo getSessionInfo(long sessionId) {
        SessionImpl s = sessions.get(sessionId);
        return s == null ? null : s.info();
    }

    /** Info of one stream, or null when unknown. */
    public StreamInfo getStreamInfo(long streamId) {
        StreamImpl s = streams.get(streamId);
        return s == null ? null : s.info();
    }

    /** Every byte of a stream until the peer ends it (at most 64 MiB), failing after {@code timeout}. */
    public CompletableFuture<byte[]> readStreamComplete(long streamId, Duration timeout) {
        StreamImpl s = streams.get(streamId);
        if (s == null) {
            return CompletableFuture.failedFuture(new StreamException("unknown stream " + streamId, -1));
        }
        return s.readAll(timeout, 64 * 1024 * 1024);
    }

    /** Writes data in chunks, each after the previous was accepted by QUIC; completes with the bytes written. */
    public CompletableFuture<Long> writeStreamChunked(long streamId, byte[] data, int chunkSize) {
        StreamImpl s = streams.get(streamId);
        if (s == null) {
            return CompletableFuture.failedFuture(new StreamException("unknown stream " + streamId, -1));
        }
        return s.writeChunked(data, chunkSize, false);
    }

    /**
     * Asks every session to wrap up: a DRAIN capsule on each and, on servers, an HTTP/3 GOAWAY so no new session
     * starts on this connection.
     */
    public CompletableFuture<Void> drainAll() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        runOnLoop(() -> {
            if (!isClient) {
                QuicStreamChannel control = Http3.getLocalControlStream(quicChannel);
                if (control != null && control.isActive()) {
                    control.writeAndFlush(new DefaultHttp3GoAwayFrame(highestSessionId + 4));
                }
            }
            if (connectionState == ConnectionState.CONNECTED) {
                connectionState = ConnectionState.DRAINING;
            }
            for (SessionImpl s : sessions.values()) {
                drainSession(s);
            }
            completeAsync(f, null);
        }, f);
        return f;
    }

    // ================================================================== event dispatch (event loop)

    private void dispatchEvent(QuicEvent event) {
        touch();
        if (event instanceof QuicEvent.StreamDataReceived e) {
            onStreamData(e.streamId(), e.data());
        } else if (event instanceof QuicEvent.DatagramReceived e) {
            onDatagram(e.datagram());
        } else if (event instanceof QuicEvent.CapsuleDataReceived e) {
            onCapsuleData(e.sessionId(), e.data());
        } else if (event instanceof QuicEvent.StreamFinished e) {
            onStreamFinished(e.streamId());
        } else if (event instanceof QuicEvent.StreamOpened e) {
            onPeerStream(e.stream(), e.sessionId());
        } else if (event instanceof QuicEvent.StreamPreambleTruncated e) {
            // RFC 9114 §4.1.2: a request stream that ends without a complete message gets H3_REQUEST_INCOMPLETE
            counters.increment(ProtocolCounters.Kind.PROTOCOL_ERRORS);
            rejectStream(e.stream(), ErrorCodes.H3_REQUEST_INCOMPLETE);
        } else if (event instanceof QuicEvent.StreamReset e) {
            onStreamReset(e.streamId(), e.http3Code());
        } else if (event instanceof QuicEvent.StreamClosed e) {
            onStreamClosed(e.streamId());
        } else if (event instanceof QuicEvent.StreamWritabilityChanged) {
            // writes complete through their promises; nothing to do yet
        } else if (event instanceof QuicEvent.SessionRequested e) {
            onSessionRequested(e);
        } else if (event instanceof QuicEvent.SessionResponded e) {
            onSessionResponded(e.sessionId(), e.headers());
        } else if (event instanceof QuicEvent.ConnectStreamEnded e) {
            onConnectStreamEnded(e.sessionId());
        } else if (event instanceof QuicEvent.ConnectStreamFailed e) {
            onConnectStreamFailed(e.sessionId(), e.cause());
        } else if (event instanceof QuicEvent.PeerSettingsReceived e) {
            onPeerSettings(e.settings());
        } else if (event instanceof QuicEvent.DatagramSupportNegotiated e) {
            maxDatagramFrameSize = e.maxDatagramFrameSize();
        } else if (event instanceof QuicEvent.StreamLimitsChanged) {
            drainPendingOpens();
        } else if (event instanceof QuicEvent.GoAwayReceived e) {
            onGoAway(e.id());
        } else if (event instanceof QuicEvent.ConnectionEstablished) {
            if (connectionState == ConnectionState.CONNECTING || connectionState == ConnectionState.IDLE) {
                connectionState = ConnectionState.CONNECTED;
                publish(EventType.CONNECTION_ESTABLISHED, Map.of("remote", String.valueOf(quicChannel.remoteSocketAddress())));
            }
        } else if (event instanceof QuicEvent.ProtocolViolation e) {
            protocolViolation(e.errorCode(), e.message());
        } else if (event instanceof QuicEvent.ConnectionClosed e) {
            onConnectionClosed(e.cause());
        }
    }

    private void onPeerSettings(Map<Long, Long> settings) {
        dialect = WebTransportDialect.fromPeerSettings(settings);
        flowControlEnabled = config.flowControl().enabled() && SessionFlowControl.declares(settings);
        peerSettings = Map.copyOf(settings); // last: readers on other threads test it before the two above
        publish(EventType.SETTINGS_RECEIVED, Map.of("settings", peerSettings, "dialect", dialect.name()));
        peerSettingsFuture.complete(peerSettings);
        List<QuicEvent.SessionRequested> waiting = new ArrayList<>(requestsAwaitingSettings);
        requestsAwaitingSettings.clear();
        for (QuicEvent.SessionRequested r : waiting) {
            onSessionRequested(r);
        }
    }

    private static boolean supportsWebTransport(Map<Long, Long> s) {
        boolean draft02 = s.getOrDefault(SettingsIds.ENABLE_WEBTRANSPORT_DRAFT02, 0L) == 1;
        boolean connect = s.getOrDefault(SettingsIds.ENABLE_CONNECT_PROTOCOL, 0L) == 1;
        boolean later = s.getOrDefault(SettingsIds.WT_MAX_SESSIONS, 0L) > 0
                || s.getOrDefault(SettingsIds.WEBTRANSPORT_MAX_SESSIONS_DRAFT07, 0L) > 0
                || s.getOrDefault(SettingsIds.WT_ENABLED, 0L) > 0;
        return draft02 || (later && connect);
    }

    // ------------------------------------------------------------------ sessions (server)

    /** A validated request waiting for the acceptor or for {@link #acceptWebTransportSession}. */
    private record PendingRequest(QuicStreamChannel stream, SessionRequest request, boolean draft02Header) {
    }

    private final Map<Long, PendingRequest> pendingRequests = new HashMap<>();
    /** Client: the last few ended sessions, kept so {@link #recoverSession} can re-open them. */
    private final Map<Long, SessionImpl> recentlyEnded = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, SessionImpl> eldest) {
                    return size() > 16;
                }
            });

    private void onSessionRequested(QuicEvent.SessionRequested e) {
        QuicStreamChannel stream = e.connectStream();
        long sessionId = stream.streamId();
        if (isClient) {
            stream.close();
            return;
        }
        if (peerSettings.isEmpty() && !peerSettingsFuture.isDone()) {
            if (requestsAwaitingSettings.size() >= MAX_REQUESTS_AWAITING_SETTINGS) {
                counters.increment(ProtocolCounters.Kind.SESSIONS_REJECTED);
                QuicStreamErrors.resetStream(stream, ErrorCodes.H3_REQUEST_REJECTED);
                return;
            }
            requestsAwaitingSettings.add(e);
            return;
        }
        counters.increment(ProtocolCounters.Kind.SESSIONS_REQUESTED);
        highestSessionId = Math.max(highestSessionId, sessionId);
        Http3Headers h = e.headers();
        String invalid = validateConnect(h);
        if (invalid != null) {
            LOG.debug("rejecting CONNECT on stream {}: {}", sessionId, invalid);
            counters.increment(ProtocolCounters.Kind.PROTOCOL_ERRORS);
            respondAndFinish(stream, 400);
            counters.increment(ProtocolCounters.Kind.SESSIONS_REJECTED);
            rejectBufferedFor(sessionId);
            return;
        }
        if (connectionState == ConnectionState.DRAINING || connectionState == ConnectionState.CLOSING) {
            respondAndFinish(stream, 503);
            counters.increment(ProtocolCounters.Kind.SESSIONS_REJECTED);
            releaseEarlyCapsuleData(sessionId);
            return;
        }
        if (activeSessionCount() + pendingRequests.size() >= config.maxSessionsPerConnection()) {
            respondAndFinish(stream, 429);
            counters.increment(ProtocolCounters.Kind.SESSIONS_REJECTED);
            rejectBufferedFor(sessionId);
            return;
        }
        if (activeSessionCount() + pendingRequests.size() >= sessionLimit()) {
            // draft-13+: without session flow control a client must not open a second session, and the server
            // resets extra CONNECT streams with H3_REQUEST_REJECTED
            LOG.debug("rejecting CONNECT on stream {}: a second session needs session flow control", sessionId);
            counters.increment(ProtocolCounters.Kind.SESSIONS_REJECTED);
            QuicStreamErrors.resetStream(stream, ErrorCodes.H3_REQUEST_REJECTED);
            QuicStreamErrors.stopSending(stream, ErrorCodes.H3_REQUEST_REJECTED);
            rejectBufferedFor(sessionId);
            return;
        }
        Map<String, List<String>> headers = headerMap(h);
        String rawPath = h.path().toString();
        int q = rawPath.indexOf('?');
        String path = q < 0 ? rawPath : rawPath.substring(0, q);
        String query = q < 0 ? "" : rawPath.substring(q + 1);
        CharSequence origin = h.get("origin");
        SessionRequest request = new SessionRequest(path, query, h.authority().toString(),
                origin == null ? null : origin.toString(), headers,
                SubprotocolHeaders.parseList(first(headers, "wt-available-protocols")),
                quicChannel.remoteSocketAddress());
        PendingRequest pending = new PendingRequest(stream, request, h.contains("sec-webtransport-http3-draft02"));
        pendingRequests.put(sessionId, pending);
        publish(EventType.SESSION_REQUEST, Map.of("sessionId", sessionId, "path", path));
        if (acceptor == null) {
            return;
        }
        try {
            executor.execute(() -> {
                SessionDecision decision;
                try {
                    decision = Objects.requireNonNull(acceptor.decide(request), "acceptor returned null");
                } catch (Throwable t) {
                    LOG.warn("session acceptor failed for {}; answering 500", path, t);
                    counters.increment(ProtocolCounters.Kind.HANDLER_ERRORS);
                    decision = new SessionDecision.Reject(500, "acceptor failed");
                }
                SessionDecision d = decision;
                runOnLoop(() -> decide(sessionId, d), null);
            });
        } catch (RejectedExecutionException rex) {
            pendingRequests.remove(sessionId);
            respondAndFinish(stream, 503);
            rejectBufferedFor(sessionId);
        }
    }

    private void decide(long sessionId, SessionDecision decision) {
        PendingRequest p = pendingRequests.remove(sessionId);
        if (p == null) {
            return;
        }
        if (decision instanceof SessionDecision.Accept a) {
            acceptOnLoop(p, a);
        } else if (decision instanceof SessionDecision.Reject r) {
            rejectOnLoop(p, r.status());
        }
    }

    private SessionImpl acceptOnLoop(PendingRequest p, SessionDecision.Accept a) {
        QuicStreamChannel stream = p.stream();
        if (!stream.isActive()) {
            rejectBufferedFor(stream.streamId());
            return null;
        }
        String protocol = a.protocol();
        if (protocol != null && !p.request().offeredProtocols().contains(protocol)) {
            LOG.warn("acceptor chose subprotocol {} that the client did not offer; answering without it", protocol);
            protocol = null;
        }
        SessionImpl s = new SessionImpl(this, stream, p.request().path(), p.request().headers());
        s.userHandler(a.handler());
        s.negotiated(protocol, a.pathVariables());
        sessions.put(s.sessionId(), s);
        // Count before the 200 goes out and onOpen is dispatched: whoever sees the session (the peer, the handler)
        // must also see it in the stats.
        counters.increment(ProtocolCounters.Kind.SESSIONS_ACCEPTED);
        DefaultHttp3HeadersFrame response = new DefaultHttp3HeadersFrame();
        response.headers().status("200");
        if (p.draft02Header()) {
            response.headers().set("sec-webtransport-http3-draft", "draft02");
        }
        if (protocol != null) {
            response.headers().set("wt-protocol", SubprotocolHeaders.formatItem(protocol));
        }
        stream.writeAndFlush(response);
        if (!becomeReady(s)) {
            return null;
        }
        ArrayDeque<ByteBuf> early = earlyCapsuleData.remove(s.sessionId());
        if (early != null) {
            ByteBuf b;
            while ((b = early.poll()) != null) {
                onCapsuleData(s.sessionId(), b);
            }
        }
        return s;
    }

    private void rejectOnLoop(PendingRequest p, int status) {
        counters.increment(ProtocolCounters.Kind.SESSIONS_REJECTED);
        publish(EventType.SESSION_REJECTED, Map.of("sessionId", p.stream().streamId(), "status", status,
                "path", p.request().path()));
        respondAndFinish(p.stream(), status);
        rejectBufferedFor(p.stream().streamId());
    }

    /** Makes the session ready; false when usage counted before it was ready already ended it (flow control). */
    private boolean becomeReady(SessionImpl s) {
        s.info().markReady(Instant.now());
        s.flow(SessionFlowControl.negotiated(flowControlEnabled, config.flowControl(), peerSettings, System.nanoTime()));
        long[] early = earlyPeerUsage.remove(s.sessionId());
        if (early != null) {
            applyPeerUsage(s, early[0], early[1], early[2]);
            if (s.isTerminated()) {
                return false;
            }
        }
        s.publishLimits();
        publish(EventType.SESSION_READY, Map.of("sessionId", s.sessionId(), "path", s.path()));
        s.dispatch("onOpen", h -> h.onOpen(s));
        adoptBufferedFor(s);
        return true;
    }

    private static String validateConnect(Http3Headers h) {
        if (h.method() == null || !"CONNECT".contentEquals(h.method())) {
            return "method is not CONNECT";
        }
        CharSequence protocol = h.protocol();
        if (protocol == null) {
            return "missing :protocol";
        }
        String p = protocol.toString();
        if (!p.equals("webtransport") && !p.equals("webtransport-h3")) {
            return "unknown :protocol " + p;
        }
        if (h.scheme() == null || !"https".contentEquals(h.scheme())) {
            return ":scheme is not https";
        }
        if (h.authority() == null || h.authority().length() == 0) {
            return "missing :authority";
        }
        if (h.path() == null || h.path().length() == 0 || h.path().charAt(0) != '/') {
            return "missing or invalid :path";
        }
        return null;
    }

    private static void respondAndFinish(QuicStreamChannel stream, int status) {
        DefaultHttp3HeadersFrame frame = new DefaultHttp3HeadersFrame();
        frame.headers().status(String.valueOf(status));
        stream.writeAndFlush(frame).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    }

    private static Map<String, List<String>> headerMap(Http3Headers h) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            m.computeIfAbsent(e.getKey().toString().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(e.getValue().toString());
        }
        return m;
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : String.join(", ", v);
    }

    // ------------------------------------------------------------------ sessions (client)

    private final Map<Long, CompletableFuture<WebTransportSession>> connecting = new HashMap<>();

    private void sendConnect(QuicStreamChannel stream, String authority, String path, Map<String, String> headers,
                             WebTransportSessionHandler sessionHandler, CompletableFuture<WebTransportSession> f) {
        long id = stream.streamId();
        highestSessionId = Math.max(highestSessionId, id);
        Map<String, List<String>> requestHeaders = new LinkedHashMap<>();
        DefaultHttp3HeadersFrame frame = new DefaultHttp3HeadersFrame();
        Http3Headers h = frame.headers();
        h.method("CONNECT");
        h.protocol("webtransport");
        h.scheme("https");
        h.authority(authority);
        h.path(path);
        if (headers != null) {
            headers.forEach((k, v) -> h.add(k.toLowerCase(Locale.ROOT), v));
        }
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            requestHeaders.computeIfAbsent(e.getKey().toString(), k -> new ArrayList<>()).add(e.getValue().toString());
        }
        int q = path.indexOf('?');
        SessionImpl s = new SessionImpl(this, stream, q < 0 ? path : path.substring(0, q), requestHeaders);
        s.userHandler(sessionHandler);
        sessions.put(id, s);
        connecting.put(id, f);
        counters.increment(ProtocolCounters.Kind.SESSIONS_REQUESTED);
        publish(EventType.SESSION_REQUEST, Map.of("sessionId", id, "path", path));
        stream.writeAndFlush(frame).addListener(w -> {
            if (!w.isSuccess()) {
                connecting.remove(id);
                sessions.remove(id);
                failAsync(f, new ConnectionException("sending CONNECT failed: " + w.cause(), -1, w.cause()));
            }
        });
    }

    private void onSessionResponded(long sessionId, Http3Headers headers) {
        CompletableFuture<WebTransportSession> f = connecting.remove(sessionId);
        SessionImpl s = sessions.get(sessionId);
        if (f == null || s == null) {
            return;
        }
        CharSequence statusText = headers.status();
        int status = -1;
        try {
            status = statusText == null ? -1 : Integer.parseInt(statusText.toString());
        } catch (NumberFormatException ignored) {
            // stays -1
        }
        if (status >= 200 && status < 300) {
            String offered = first(s.headers(), "wt-available-protocols");
            CharSequence chosen = headers.get("wt-protocol");
            String protocol = null;
            if (chosen != null && offered != null) {
                String item = SubprotocolHeaders.parseItem(chosen.toString());
                if (item != null && SubprotocolHeaders.parseList(offered).contains(item)) {
                    protocol = item;
                }
            }
            s.negotiated(protocol, Map.of());
            counters.increment(ProtocolCounters.Kind.SESSIONS_ACCEPTED);
            if (becomeReady(s)) {
                completeAsync(f, s);
            } else {
                failAsync(f, new SessionException("session " + sessionId + " ended at once: the server exceeded "
                        + "our flow-control limits", ErrorCodes.WT_FLOW_CONTROL_ERROR));
            }
        } else {
            sessions.remove(sessionId);
            counters.increment(ProtocolCounters.Kind.SESSIONS_REJECTED);
            rejectBufferedFor(sessionId);
            s.capsuleDecoder().close();
            s.connectStream().close();
            publish(EventType.SESSION_REJECTED, Map.of("sessionId", sessionId, "status", status));
            failAsync(f, new SessionRejectedException(status, s.path()));
        }
    }

    // ------------------------------------------------------------------ capsules and session end

    private void onCapsuleData(long sessionId, ByteBuf data) {
        try {
            SessionImpl s = sessions.get(sessionId);
            if (s == null) {
                holdEarlyCapsuleData(sessionId, data);
                return;
            }
            // checked before isTerminated(): receiving CLOSE terminates the session, and anything after it is an error
            if (s.closeCapsuleReceived()) {
                sessionStreamError(s, ErrorCodes.H3_MESSAGE_ERROR, "data after CLOSE_WEBTRANSPORT_SESSION");
                return;
            }
            if (s.isTerminated()) {
                return;
            }
            List<Capsule> decoded;
            try {
                decoded = s.capsuleDecoder().decode(data);
            } catch (WireFormatException e) {
                sessionStreamError(s, e.errorCode(), e.getMessage());
                return;
            }
            for (Capsule c : decoded) {
                counters.increment(ProtocolCounters.Kind.CAPSULES_RECEIVED);
                if (s.closeCapsuleReceived()) {
                    sessionStreamError(s, ErrorCodes.H3_MESSAGE_ERROR, "capsule after CLOSE_WEBTRANSPORT_SESSION");
                    return;
                }
                if (s.isTerminated()) {
                    return;
                }
                onCapsule(s, c);
            }
            if (s.closeCapsuleReceived() && s.capsuleDecoder().hasPartialCapsule()) {
                sessionStreamError(s, ErrorCodes.H3_MESSAGE_ERROR, "data after CLOSE_WEBTRANSPORT_SESSION");
            }
        } finally {
            data.release();
        }
    }

    private void onCapsule(SessionImpl s, Capsule c) {
        if (c.type() == CapsuleTypes.CLOSE_WEBTRANSPORT_SESSION) {
            CloseSessionCapsule close;
            try {
                close = CloseSessionCapsule.decode(c.value());
            } catch (WireFormatException e) {
                sessionStreamError(s, e.errorCode(), e.getMessage());
                return;
            }
            s.closeCapsuleReceived(true);
            endSession(s, new SessionCloseInfo(close.code(), close.reason(), true, null));
            finishConnectStream(s);
        } else if (c.type() == CapsuleTypes.DRAIN_WEBTRANSPORT_SESSION) {
            markDraining(s);
        } else if (flowControlEnabled && FlowControlCapsules.isFlowControl(c.type())
                && s.info().state() != SessionState.CONNECTING) {
            onFlowControlCapsule(s, c);
        }
        // every other type (flow control without negotiation, GREASE, legacy datagram registration) is ignored
    }

    // ------------------------------------------------------------------ session flow control

    private void onFlowControlCapsule(SessionImpl s, Capsule c) {
        long value;
        try {
            value = FlowControlCapsules.value(c);
        } catch (WireFormatException e) {
            sessionStreamError(s, e.errorCode(), e.getMessage());
            return;
        }
        long type = c.type();
        try {
            if (type == CapsuleTypes.WT_MAX_DATA) {
                if (s.flow().onMaxData(value)) {
                    s.publishLimits();
                    publish(EventType.SESSION_MAX_DATA_UPDATED, Map.of("sessionId", s.sessionId(), "limit", value));
                    s.resumeCreditWaiters();
                }
            } else if (type == CapsuleTypes.WT_MAX_STREAMS_BIDI || type == CapsuleTypes.WT_MAX_STREAMS_UNI) {
                boolean bidi = type == CapsuleTypes.WT_MAX_STREAMS_BIDI;
                if (s.flow().onMaxStreams(bidi, value)) {
                    s.publishLimits();
                    publish(bidi ? EventType.SESSION_MAX_STREAMS_BIDI_UPDATED : EventType.SESSION_MAX_STREAMS_UNI_UPDATED,
                            Map.of("sessionId", s.sessionId(), "limit", value));
                    drainPendingOpens();
                }
            } else if (type == CapsuleTypes.WT_DATA_BLOCKED) {
                counters.increment(ProtocolCounters.Kind.PEER_DATA_BLOCKED);
                publish(EventType.SESSION_DATA_BLOCKED, Map.of("sessionId", s.sessionId(), "limit", value,
                        "byPeer", true));
                grantData(s, s.flow().onPeerDataBlocked(value, System.nanoTime()));
            } else {
                boolean bidi = type == CapsuleTypes.WT_STREAMS_BLOCKED_BIDI;
                counters.increment(ProtocolCounters.Kind.PEER_STREAMS_BLOCKED);
                publish(EventType.SESSION_STREAMS_BLOCKED, Map.of("sessionId", s.sessionId(), "limit", value,
                        "bidirectional", bidi, "byPeer", true));
                grantStreams(s, bidi, s.flow().onPeerStreamsBlocked(bidi, value));
            }
        } catch (FlowControlException e) {
            flowControlViolation(s, e);
        }
    }

    private void flowControlViolation(SessionImpl s, FlowControlException e) {
        counters.increment(ProtocolCounters.Kind.FLOW_CONTROL_ERRORS);
        sessionStreamError(s, ErrorCodes.WT_FLOW_CONTROL_ERROR, e.getMessage());
    }

    /**
     * Counts stream body bytes received for the session; false (after ending the session with WT_FLOW_CONTROL_ERROR)
     * when the peer exceeded our data limit. Event loop only.
     */
    boolean acceptFlowData(SessionImpl s, int n) {
        if (s.isTerminated()) {
            return true;
        }
        try {
            s.flow().onDataReceived(n);
            return true;
        } catch (FlowControlException e) {
            flowControlViolation(s, e);
            return false;
        }
    }

    /** Bytes of the session the application consumed or that were discarded: may return credit. Event loop only. */
    void dataConsumed(SessionImpl s, long n) {
        if (n <= 0 || s.isTerminated() || !s.flow().enabled()) {
            return;
        }
        grantData(s, s.flow().onDataConsumed(n, System.nanoTime(), this::roundTripNanos));
    }

    /** Announces a raised data limit (WT_MAX_DATA) unless {@code limit} is {@link SessionFlowControl#NOTHING}. */
    private void grantData(SessionImpl s, long limit) {
        if (limit != SessionFlowControl.NOTHING) {
            sendFlowCapsule(s, CapsuleTypes.WT_MAX_DATA, limit);
            s.publishLimits();
        }
    }

    /** Announces a raised stream limit (WT_MAX_STREAMS) unless {@code limit} is {@link SessionFlowControl#NOTHING}. */
    private void grantStreams(SessionImpl s, boolean bidi, long limit) {
        if (limit != SessionFlowControl.NOTHING) {
            sendFlowCapsule(s, bidi ? CapsuleTypes.WT_MAX_STREAMS_BIDI : CapsuleTypes.WT_MAX_STREAMS_UNI, limit);
            s.publishLimits();
        }
    }

    /** Our sending on the session ran out of data credit: tell the peer once per limit. Event loop only. */
    void reportDataBlocked(SessionImpl s) {
        long limit = s.flow().dataBlockedToReport();
        if (limit != SessionFlowControl.NOTHING) {
            counters.increment(ProtocolCounters.Kind.DATA_BLOCKED);
            sendFlowCapsule(s, CapsuleTypes.WT_DATA_BLOCKED, limit);
            publish(EventType.SESSION_DATA_BLOCKED, Map.of("sessionId", s.sessionId(), "limit", limit, "byPeer", false));
        }
    }

    private void reportStreamsBlocked(SessionImpl s, boolean bidi) {
        long limit = s.flow().streamsBlockedToReport(bidi);
        if (limit != SessionFlowControl.NOTHING) {
            counters.increment(ProtocolCounters.Kind.STREAMS_BLOCKED);
            sendFlowCapsule(s, bidi ? CapsuleTypes.WT_STREAMS_BLOCKED_BIDI : CapsuleTypes.WT_STREAMS_BLOCKED_UNI, limit);
            publish(EventType.SESSION_STREAMS_BLOCKED, Map.of("sessionId", s.sessionId(), "limit", limit,
                    "bidirectional", bidi, "byPeer", false));
        }
    }

    private void sendFlowCapsule(SessionImpl s, long type, long value) {
        if (!s.isTerminated() && s.connectStream().isActive()) {
            writeCapsule(s, FlowControlCapsules.of(type, value));
        }
    }

    /** Writes one capsule in one DATA frame on the session's CONNECT stream (not the closing one, see closeSession). */
    private io.netty.channel.ChannelFuture writeCapsule(SessionImpl s, Capsule capsule) {
        QuicStreamChannel cs = s.connectStream();
        counters.increment(ProtocolCounters.Kind.CAPSULES_SENT);
        return cs.writeAndFlush(new DefaultHttp3DataFrame(CapsuleEncoder.encode(cs.alloc(), capsule)));
    }

    /**
     * The connection's smoothed round-trip time as last sampled (0 until known), refreshed in the background at most
     * twice a second; it drives the receive-window auto-scaling. Event loop only.
     */
    private long roundTripNanos() {
        long now = System.nanoTime();
        if (rttSampledNanos == 0 || now - rttSampledNanos > TimeUnit.MILLISECONDS.toNanos(500)) {
            rttSampledNanos = now;
            quicChannel.collectPathStats(0).addListener(f -> {
                if (f.isSuccess()) {
                    rttNanos = ((io.netty.handler.codec.quic.QuicConnectionPathStats) f.getNow()).rtt();
                }
            });
        }
        return rttNanos;
    }

    private void markDraining(SessionImpl s) {
        if (s.info().state() == SessionState.CONNECTED) {
            s.info().state(SessionState.DRAINING);
            publish(EventType.SESSION_DRAINING, Map.of("sessionId", s.sessionId()));
            s.dispatch("onDraining", h -> h.onDraining(s));
        }
    }

    private void onGoAway(long id) {
        if (connectionState == ConnectionState.CONNECTED) {
            connectionState = ConnectionState.DRAINING;
        }
        for (SessionImpl s : sessions.values()) {
            markDraining(s);
        }
    }

    private void onConnectStreamEnded(long sessionId) {
        SessionImpl s = sessions.get(sessionId);
        if (s == null) {
            PendingRequest p = pendingRequests.remove(sessionId);
            if (p != null) {
                rejectBufferedFor(sessionId);
                p.stream().close();
            }
            return;
        }
        if (!s.isTerminated()) {
            if (s.capsuleDecoder().hasPartialCapsule()) {
                // a truncated capsule is a malformed message: reset the CONNECT stream (H3_MESSAGE_ERROR), no FIN
                sessionStreamError(s, ErrorCodes.H3_MESSAGE_ERROR, "CONNECT stream ended inside a capsule");
                return;
            } else {
                endSession(s, new SessionCloseInfo(0, "", true, null));
            }
        }
        finishConnectStream(s);
        forget(s);
    }

    private void onConnectStreamFailed(long sessionId, Throwable cause) {
        if (cause instanceof io.netty.handler.codec.http3.Http3Exception
                || cause instanceof io.netty.handler.codec.http3.Http3HeadersValidationException) {
            // Netty's HTTP/3 codec refused the message (malformed header section, field section too large, ...)
            counters.increment(ProtocolCounters.Kind.PROTOCOL_ERRORS);
        }
        CompletableFuture<WebTransportSession> f = connecting.remove(sessionId);
        SessionImpl s = sessions.get(sessionId);
        PendingRequest p = pendingRequests.remove(sessionId);
        if (p != null) {
            rejectBufferedFor(sessionId);
        }
        if (s == null) {
            return;
        }
        long code = cause instanceof QuicStreamResetException r ? r.applicationProtocolCode() : -1;
        WebTransportException error = new SessionException("CONNECT stream of session " + sessionId + " failed: "
                + (code >= 0 ? ErrorCodes.name(code) : String.valueOf(cause)), code, cause);
        if (f != null) {
            sessions.remove(sessionId);
            rejectBufferedFor(sessionId);
            failAsync(f, error);
        }
        if (!s.isTerminated()) {
            endSession(s, new SessionCloseInfo(0, "", true, error));
        }
        forget(s);
    }

    private void sessionStreamError(SessionImpl s, long code, String message) {
        counters.increment(ProtocolCounters.Kind.PROTOCOL_ERRORS);
        publish(EventType.PROTOCOL_ERROR, Map.of("sessionId", s.sessionId(), "code", code, "message", message));
        LOG.debug("session {} protocol error {}: {}", s.sessionId(), ErrorCodes.name(code), message);
        if (!s.isTerminated()) {
            endSession(s, new SessionCloseInfo(0, "", true, new ProtocolException(message, code)));
        }
        QuicStreamChannel cs = s.connectStream();
        if (cs.isActive()) {
            QuicStreamErrors.resetStream(cs, code);
            QuicStreamErrors.stopSending(cs, code);
        }
        forget(s);
    }

    /** Terminates the session (streams reset, callbacks told) without touching the CONNECT stream. */
    private void endSession(SessionImpl s, SessionCloseInfo info) {
        if (s.isTerminated()) {
            return;
        }
        int before = s.streams().size();
        for (StreamImpl st : List.copyOf(s.streams())) {
            streams.remove(st.streamId());
        }
        counters.add(ProtocolCounters.Kind.STREAMS_CLOSED, before);
        // Count before terminate(): it completes closed(), and observers must see the counters already moved.
        counters.increment(ProtocolCounters.Kind.SESSIONS_CLOSED);
        s.terminate(info);
        rejectBufferedFor(s.sessionId());
        Map<String, Object> data = new HashMap<>();
        data.put("sessionId", s.sessionId());
        data.put("code", info.code());
        data.put("reason", info.reason());
        data.put("byPeer", info.byPeer());
        publish(EventType.SESSION_CLOSED, data);
    }

    private void finishConnectStream(SessionImpl s) {
        QuicStreamChannel cs = s.connectStream();
        if (cs.isActive() && !cs.isOutputShutdown()) {
            writeLastDataFrame(cs, io.netty.buffer.Unpooled.EMPTY_BUFFER);
        }
    }

    /**
     * Writes one HTTP/3 DATA frame carrying {@code payload} with the FIN on the same QUIC frame, below the HTTP/3 codec.
     * A FIN written on its own ({@code shutdownOutput()}) can be lost by the QUIC library of Netty 4.2.18 once the
     * peer has ended its side and every earlier byte was acknowledged (see {@link StreamImpl}); a FIN that travels with
     * bytes cannot. An empty DATA frame is legal on a request stream.
     */
    private static io.netty.channel.ChannelFuture writeLastDataFrame(QuicStreamChannel cs, ByteBuf payload) {
        int n = payload.readableBytes();
        ByteBuf frame = cs.alloc().directBuffer(2 + dev.webtransport.protocol.wire.VarInt.encodedLength(n) + n);
        dev.webtransport.protocol.wire.VarInt.write(frame, 0x00);
        dev.webtransport.protocol.wire.VarInt.write(frame, n);
        frame.writeBytes(payload);
        payload.release();
        return cs.pipeline().firstContext().writeAndFlush(new io.netty.handler.codec.quic.DefaultQuicStreamFrame(frame, true));
    }

    private void forget(SessionImpl s) {
        s.cancelCloseTimer();
        if (sessions.remove(s.sessionId(), s) && isClient) {
            recentlyEnded.put(s.sessionId(), s);
        }
    }

    CompletableFuture<Void> closeSession(SessionImpl s, CloseSessionCapsule capsule) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        runOnLoop(() -> {
            if (s.isTerminated()) {
                completeAsync(f, null);
                return;
            }
            QuicStreamChannel cs = s.connectStream();
            if (s.info().state() == SessionState.CONNECTING) {
                CompletableFuture<WebTransportSession> pending = connecting.remove(s.sessionId());
                if (pending != null) {
                    failAsync(pending, new SessionException("session closed before it was established", -1));
                }
                QuicStreamErrors.resetStream(cs, ErrorCodes.H3_REQUEST_CANCELLED);
                endSession(s, new SessionCloseInfo(capsule.code(), capsule.reason(), false, null));
                forget(s);
                completeAsync(f, null);
                return;
            }
            s.info().state(SessionState.CLOSING);
            ByteBuf buf = CapsuleEncoder.encode(cs.alloc(), capsule.toCapsule());
            counters.increment(ProtocolCounters.Kind.CAPSULES_SENT);
            // End the session first: the write listener below may run at once, and whoever sees the returned future
            // complete must also see the session CLOSED and counted.
            endSession(s, new SessionCloseInfo(capsule.code(), capsule.reason(), false, null));
            writeLastDataFrame(cs, buf).addListener((ChannelFutureListener) w -> completeAsync(f, null));
            s.closeTimer(cs.eventLoop().schedule(() -> {
                if (cs.isActive()) {
                    cs.close();
                }
                forget(s);
            }, config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS));
        }, f);
        return f;
    }

    CompletableFuture<Void> drainSession(SessionImpl s) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        runOnLoop(() -> {
            if (!s.isOpen()) {
                completeAsync(f, null);
                return;
            }
            writeCapsule(s, new Capsule(CapsuleTypes.DRAIN_WEBTRANSPORT_SESSION, new byte[0]))
                    .addListener(w -> completeAsync(f, null));
        }, f);
        return f;
    }

    // ------------------------------------------------------------------ peer streams

    /** A peer stream whose session is not (yet) accepted: held with reading paused, bounded in count and time. */
    private static final class BufferedStream {
        final QuicStreamChannel channel;
        final long sessionId;
        final ArrayDeque<ByteBuf> data = new ArrayDeque<>();
        boolean fin;
        Long resetCode;
        ScheduledFuture<?> timeout;

        BufferedStream(QuicStreamChannel channel, long sessionId) {
            this.channel = channel;
            this.sessionId = sessionId;
        }

        long heldBytes() {
            long n = 0;
            for (ByteBuf b : data) {
                n += b.readableBytes();
            }
            return n;
        }

        void release() {
            ByteBuf b;
            while ((b = data.poll()) != null) {
                b.release();
            }
            if (timeout != null) {
                timeout.cancel(false);
            }
        }
    }

    private void onPeerStream(QuicStreamChannel channel, long sessionId) {
        if (!StreamPreamble.isValidSessionId(sessionId)) {
            protocolViolation(ErrorCodes.H3_ID_ERROR, "stream " + channel.streamId() + " names session id " + sessionId
                    + ", which is not a client-initiated bidirectional stream");
            return;
        }
        SessionImpl s = sessions.get(sessionId);
        if (s != null && !s.isTerminated() && s.info().state() != SessionState.CONNECTING) {
            adopt(s, channel, null);
            return;
        }
        boolean gone = (s != null && s.isTerminated())
                || (s == null && !pendingRequests.containsKey(sessionId) && sessionId <= highestSessionId);
        if (gone || (s != null && s.info().state() == SessionState.CLOSING)) {
            rejectStream(channel, ErrorCodes.WT_SESSION_GONE);
            return;
        }
        if (bufferedStreams.size() >= config.maxBufferedStreams()) {
            rejectStream(channel, ErrorCodes.WT_BUFFERED_STREAM_REJECTED);
            discarded(channel, sessionId, 0);
            return;
        }
        channel.config().setAutoRead(false);
        BufferedStream b = new BufferedStream(channel, sessionId);
        b.timeout = channel.eventLoop().schedule(() -> {
            if (bufferedStreams.remove(channel.streamId(), b)) {
                long held = b.heldBytes();
                b.release();
                rejectStream(channel, ErrorCodes.WT_BUFFERED_STREAM_REJECTED);
                discarded(channel, sessionId, held);
            }
        }, config.bufferedStreamTimeout().toMillis(), TimeUnit.MILLISECONDS);
        bufferedStreams.put(channel.streamId(), b);
    }

    private void rejectStream(QuicStreamChannel channel, long code) {
        counters.increment(ProtocolCounters.Kind.STREAMS_REJECTED);
        if (channel.isActive()) {
            QuicStreamErrors.stopSending(channel, code);
            if (channel.type() == QuicStreamType.BIDIRECTIONAL) {
                QuicStreamErrors.resetStream(channel, code);
            }
        }
    }

    private void adoptBufferedFor(SessionImpl s) {
        for (BufferedStream b : List.copyOf(bufferedStreams.values())) {
            if (b.sessionId == s.sessionId()) {
                bufferedStreams.remove(b.channel.streamId());
                if (b.timeout != null) {
                    b.timeout.cancel(false);
                }
                adopt(s, b.channel, b);
            }
        }
    }

    private void rejectBufferedFor(long sessionId) {
        earlyPeerUsage.remove(sessionId);
        releaseEarlyCapsuleData(sessionId);
        for (BufferedStream b : List.copyOf(bufferedStreams.values())) {
            if (b.sessionId == sessionId) {
                bufferedStreams.remove(b.channel.streamId());
                b.release();
                rejectStream(b.channel, ErrorCodes.WT_SESSION_GONE);
            }
        }
    }

    private void adopt(SessionImpl s, QuicStreamChannel channel, BufferedStream buffered) {
        boolean bidi = channel.type() == QuicStreamType.BIDIRECTIONAL;
        try {
            s.flow().onPeerStreamOpened(bidi);
        } catch (FlowControlException e) {
            if (buffered != null) {
                buffered.release();
            }
            rejectStream(channel, ErrorCodes.WT_FLOW_CONTROL_ERROR);
            flowControlViolation(s, e);
            return;
        }
        if (config.maxStreamsPerSession() > 0 && peerStreamsOpen(s) >= config.maxStreamsPerSession()) {
            long held = 0;
            if (buffered != null) {
                held = buffered.heldBytes();
                buffered.release();
            }
            rejectStream(channel, ErrorCodes.H3_REQUEST_REJECTED);
            peerStreamEnded(s, bidi); // the peer counted it as opened: its stream credit comes back
            discardedPeerStreams.put(channel.streamId(), s.sessionId());
            peerUsage(s.sessionId(), 0, 0, held);
            return;
        }
        StreamImpl st = new StreamImpl(this, s, channel, bidi ? StreamDirection.BIDIRECTIONAL : StreamDirection.RECEIVE_ONLY);
        streams.put(st.streamId(), st);
        s.streams().add(st);
        s.info().peerStreamOpened(bidi);
        counters.increment(ProtocolCounters.Kind.STREAMS_OPENED);
        publish(EventType.STREAM_OPENED, Map.of("sessionId", s.sessionId(), "streamId", st.streamId(),
                "direction", st.direction().name()));
        if (buffered != null) {
            ByteBuf b;
            while ((b = buffered.data.poll()) != null) {
                st.onData(b);
            }
            if (buffered.resetCode != null) {
                st.onReset(buffered.resetCode);
            } else if (buffered.fin) {
                st.onFin();
            }
            st.resumeAfterBuffering();
            if (!channel.config().isAutoRead()) {
                channel.config().setAutoRead(true);
                channel.read();
            }
        }
        if (bidi) {
            s.dispatchForked("onBidirectionalStream", h -> h.onBidirectionalStream(s, st));
        } else {
            s.dispatchForked("onUnidirectionalStream", h -> h.onUnidirectionalStream(s, st));
        }
    }

    /**
     * Peer streams we refused or rejected (by stream id, with the session id they named) that are still open: their
     * later bytes still count for the session's flow control, as the peer counts them. Event loop only.
     */
    private final Map<Long, Long> discardedPeerStreams = new HashMap<>();
    /** Flow-control usage of rejected streams of sessions not accepted yet: {bytes, bidi, uni}. Event loop only. */
    private final Map<Long, long[]> earlyPeerUsage = new HashMap<>();

    /** A peer stream rejected before its session was ready: it and its bytes still count once the session is. */
    private void discarded(QuicStreamChannel channel, long sessionId, long heldBytes) {
        boolean bidi = channel.type() == QuicStreamType.BIDIRECTIONAL;
        if (channel.isActive()) {
            discardedPeerStreams.put(channel.streamId(), sessionId);
        }
        peerUsage(sessionId, bidi ? 1 : 0, bidi ? 0 : 1, heldBytes);
    }

    /** Counts what the peer used on streams we never handed to the application, now or when the session is ready. */
    private void peerUsage(long sessionId, long bidiStreams, long uniStreams, long bytes) {
        SessionImpl s = sessions.get(sessionId);
        if (s != null && s.info().state() != SessionState.CONNECTING) {
            applyPeerUsage(s, bytes, bidiStreams, uniStreams);
            return;
        }
        boolean mayComeLater = sessionId > highestSessionId || pendingRequests.containsKey(sessionId)
                || requestsAwaitingSettingsFor(sessionId);
        if (s == null && !mayComeLater || !earlyPeerUsage.containsKey(sessionId) && earlyPeerUsage.size() >= 64) {
            return; // no such session will be accepted, or a peer naming many future sessions: not tracked
        }
        long[] u = earlyPeerUsage.computeIfAbsent(sessionId, k -> new long[3]);
        u[0] += bytes;
        u[1] += bidiStreams;
        u[2] += uniStreams;
    }

    private boolean requestsAwaitingSettingsFor(long sessionId) {
        for (QuicEvent.SessionRequested r : requestsAwaitingSettings) {
            if (r.connectStream().streamId() == sessionId) {
                return true;
            }
        }
        return false;
    }

    /** Streams opened and closed at once, bytes received and consumed at once. Event loop only. */
    private void applyPeerUsage(SessionImpl s, long bytes, long bidiStreams, long uniStreams) {
        if (s.isTerminated()) {
            return;
        }
        try {
            for (long i = 0; i < bidiStreams + uniStreams; i++) {
                s.flow().onPeerStreamOpened(i < bidiStreams);
            }
            if (bytes > 0) {
                s.flow().onDataReceived(bytes);
            }
        } catch (FlowControlException e) {
            flowControlViolation(s, e);
            return;
        }
        for (long i = 0; i < bidiStreams + uniStreams; i++) {
            peerStreamEnded(s, i < bidiStreams);
        }
        dataConsumed(s, bytes);
    }

    /**
     * Capsule bytes a client sent on its CONNECT stream before we answered (a WT_MAX_DATA, say), replayed once the
     * session is accepted; at most {@code maxCapsuleLength} bytes per request. Event loop only.
     */
    private final Map<Long, ArrayDeque<ByteBuf>> earlyCapsuleData = new HashMap<>();

    private void holdEarlyCapsuleData(long sessionId, ByteBuf data) {
        if (isClient || !(pendingRequests.containsKey(sessionId) || requestsAwaitingSettingsFor(sessionId))) {
            return;
        }
        ArrayDeque<ByteBuf> held = earlyCapsuleData.computeIfAbsent(sessionId, k -> new ArrayDeque<>());
        long bytes = data.readableBytes();
        for (ByteBuf b : held) {
            bytes += b.readableBytes();
        }
        if (bytes > config.maxCapsuleLength()) {
            // dropping a piece would cut a capsule in two: refuse the request instead
            LOG.debug("CONNECT stream {}: more than {} capsule bytes before the response; refusing it", sessionId,
                    config.maxCapsuleLength());
            refuseEarly(sessionId, ErrorCodes.H3_EXCESSIVE_LOAD);
            return;
        }
        held.add(data.retain());
    }

    /** Resets a CONNECT stream still waiting for SETTINGS or for the acceptor, forgetting the request. */
    private void refuseEarly(long sessionId, long code) {
        QuicStreamChannel stream = null;
        PendingRequest p = pendingRequests.remove(sessionId);
        if (p != null) {
            stream = p.stream();
        } else {
            for (java.util.Iterator<QuicEvent.SessionRequested> it = requestsAwaitingSettings.iterator(); it.hasNext(); ) {
                QuicEvent.SessionRequested r = it.next();
                if (r.connectStream().streamId() == sessionId) {
                    stream = r.connectStream();
                    it.remove();
                }
            }
        }
        counters.increment(ProtocolCounters.Kind.PROTOCOL_ERRORS);
        counters.increment(ProtocolCounters.Kind.SESSIONS_REJECTED);
        rejectBufferedFor(sessionId);
        if (stream != null && stream.isActive()) {
            QuicStreamErrors.resetStream(stream, code);
            QuicStreamErrors.stopSending(stream, code);
        }
    }

    private void releaseEarlyCapsuleData(long sessionId) {
        ArrayDeque<ByteBuf> held = earlyCapsuleData.remove(sessionId);
        if (held != null) {
            for (ByteBuf b : held) {
                b.release();
            }
        }
    }

    /** A stream the peer opened is gone: may return stream credit (WT_MAX_STREAMS). Event loop only. */
    private void peerStreamEnded(SessionImpl s, boolean bidi) {
        if (s.isTerminated()) {
            return;
        }
        grantStreams(s, bidi, s.flow().onPeerStreamClosed(bidi));
    }

    /** Streams of the session the peer opened and that are still open. */
    private int peerStreamsOpen(SessionImpl s) {
        int n = 0;
        for (StreamImpl st : s.streams()) {
            if (WebTransportProtocolUtils.isClientInitiatedStream(st.streamId()) != isClient) {
                n++;
            }
        }
        return n;
    }

    private void onStreamData(long streamId, ByteBuf data) {
        StreamImpl st = streams.get(streamId);
        if (st != null) {
            st.onData(data);
            return;
        }
        BufferedStream b = bufferedStreams.get(streamId);
        if (b != null) {
            long held = 0;
            for (ByteBuf x : b.data) {
                held += x.readableBytes();
            }
            if (held + data.readableBytes() > config.streamReceiveBuffer()) {
                held += data.readableBytes();
                data.release();
                bufferedStreams.remove(streamId);
                b.release();
                rejectStream(b.channel, ErrorCodes.WT_BUFFERED_STREAM_REJECTED);
                discarded(b.channel, b.sessionId, held);
                return;
            }
            b.data.add(data);
            return;
        }
        Long discardedFor = discardedPeerStreams.get(streamId);
        if (discardedFor != null) {
            peerUsage(discardedFor, 0, 0, data.readableBytes());
        }
        data.release();
    }

    private void onStreamFinished(long streamId) {
        StreamImpl st = streams.get(streamId);
        if (st != null) {
            st.onFin();
            return;
        }
        BufferedStream b = bufferedStreams.get(streamId);
        if (b != null) {
            b.fin = true;
        }
    }

    private void onStreamReset(long streamId, long http3Code) {
        StreamImpl st = streams.get(streamId);
        if (st != null) {
            st.onReset(http3Code);
            publish(EventType.STREAM_RESET, Map.of("streamId", streamId, "code", http3Code));
            return;
        }
        BufferedStream b = bufferedStreams.get(streamId);
        if (b != null) {
            b.resetCode = http3Code;
        }
    }

    private void onStreamClosed(long streamId) {
        StreamImpl st = streams.remove(streamId);
        if (st != null) {
            st.onChannelClosed();
            SessionImpl s = (SessionImpl) st.session();
            s.streams().remove(st);
            if (WebTransportProtocolUtils.isClientInitiatedStream(streamId) != isClient) {
                peerStreamEnded(s, (streamId & 0x2) == 0);
            }
            counters.increment(ProtocolCounters.Kind.STREAMS_CLOSED);
            publish(EventType.STREAM_CLOSED, Map.of("streamId", streamId, "sessionId", s.sessionId()));
        }
        BufferedStream b = bufferedStreams.remove(streamId);
        if (b != null) {
            b.release();
        }
        discardedPeerStreams.remove(streamId);
    }

    // ------------------------------------------------------------------ local streams

    private record PendingOpen(SessionImpl session, QuicStreamType type, CompletableFuture<StreamImpl> future,
                               long deadlineNanos) {
    }

    CompletableFuture<StreamImpl> openStream(SessionImpl s, QuicStreamType type) {
        CompletableFuture<StreamImpl> f = new CompletableFuture<>();
        runOnLoop(() -> {
            if (!s.canSend()) {
                failAsync(f, new SessionException("session " + s.sessionId() + " is not open ("
                        + s.info().state() + ")", -1));
                return;
            }
            boolean bidi = type == QuicStreamType.BIDIRECTIONAL;
            if (!s.flow().canOpen(bidi) || quicChannel.peerAllowedStreams(type) <= 0 || !pendingOpens.isEmpty()) {
                if (pendingOpens.size() >= config.pendingStreamOpens()) {
                    failAsync(f, new StreamException("too many streams waiting for the peer's stream credit", -1));
                    return;
                }
                pendingOpens.add(new PendingOpen(s, type, f, System.nanoTime() + config.streamOpenTimeout().toNanos()));
                quicChannel.eventLoop().schedule(this::drainPendingOpens, config.streamOpenTimeout().toMillis() + 1,
                        TimeUnit.MILLISECONDS);
                if (!s.flow().canOpen(bidi)) {
                    reportStreamsBlocked(s, bidi);
                }
                drainPendingOpens();
                return;
            }
            doOpen(s, type, f);
        }, f);
        return f;
    }

    private void drainPendingOpens() {
        long now = System.nanoTime();
        while (!pendingConnects.isEmpty()) {
            PendingConnect c = pendingConnects.peek();
            if (now - c.deadlineNanos() > 0) {
                pendingConnects.poll();
                failAsync(c.future(), new WebTransportTimeoutException("waiting for stream credit", config.streamOpenTimeout()));
                continue;
            }
            if (quicChannel.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) <= 0) {
                break;
            }
            pendingConnects.poll();
            c.open().run();
        }
        // In order, except that a session waiting for its own WT_MAX_STREAMS does not hold up other sessions, nor
        // does a stream type without QUIC credit hold up the other type.
        boolean bidiExhausted = false;
        boolean uniExhausted = false;
        java.util.Iterator<PendingOpen> it = pendingOpens.iterator();
        while (it.hasNext()) {
            PendingOpen p = it.next();
            if (now - p.deadlineNanos() > 0) {
                it.remove();
                failAsync(p.future(), new WebTransportTimeoutException("waiting for stream credit", config.streamOpenTimeout()));
                continue;
            }
            if (!p.session().canSend()) {
                it.remove();
                failAsync(p.future(), new SessionException("session " + p.session().sessionId() + " is not open", -1));
                continue;
            }
            boolean bidi = p.type() == QuicStreamType.BIDIRECTIONAL;
            if (!p.session().flow().canOpen(bidi) || (bidi ? bidiExhausted : uniExhausted)) {
                continue;
            }
            if (quicChannel.peerAllowedStreams(p.type()) <= 0) {
                if (bidi) {
                    bidiExhausted = true;
                } else {
                    uniExhausted = true;
                }
                continue;
            }
            it.remove();
            doOpen(p.session(), p.type(), p.future());
        }
    }

    private void doOpen(SessionImpl s, QuicStreamType type, CompletableFuture<StreamImpl> f) {
        s.flow().onLocalStreamOpened(type == QuicStreamType.BIDIRECTIONAL);
        quicChannel.createStream(type, streamHandlers.dataStreamHandler(this)).addListener(cf -> {
            if (!cf.isSuccess()) {
                failAsync(f, new StreamException("opening a " + type + " stream failed: " + cf.cause(), -1, cf.cause()));
                return;
            }
            QuicStreamChannel ch = (QuicStreamChannel) cf.getNow();
            if (s.isTerminated()) {
                ch.close();
                failAsync(f, new SessionException("session " + s.sessionId() + " ended", -1));
                return;
            }
            boolean bidi = type == QuicStreamType.BIDIRECTIONAL;
            StreamImpl st = new StreamImpl(this, s, ch, bidi ? StreamDirection.BIDIRECTIONAL : StreamDirection.SEND_ONLY);
            streams.put(st.streamId(), st);
            s.streams().add(st);
            s.info().localStreamOpened(bidi);
            counters.increment(ProtocolCounters.Kind.STREAMS_OPENED);
            publish(EventType.STREAM_OPENED, Map.of("sessionId", s.sessionId(), "streamId", st.streamId(),
                    "direction", st.direction().name()));
            ByteBuf preamble = bidi ? StreamPreamble.bidi(ch.alloc(), s.sessionId())
                    : StreamPreamble.uni(ch.alloc(), s.sessionId());
            byte[] bytes = new byte[preamble.readableBytes()];
            preamble.readBytes(bytes);
            preamble.release();
            st.writePreamble(bytes);
            completeAsync(f, st);
        });
    }

    // ------------------------------------------------------------------ datagrams

    int maxDatagramPayload(long sessionId) {
        int max = maxDatagramFrameSize;
        return max <= 0 ? 0 : Math.max(0, max - HttpDatagram.prefixLength(sessionId));
    }

    CompletableFuture<Void> sendDatagram(SessionImpl s, byte[] payload) {
        int max = maxDatagramPayload(s.sessionId());
        if (max == 0) {
            return CompletableFuture.failedFuture(new DatagramException("the peer does not accept datagrams", -1));
        }
        if (payload.length > max) {
            return CompletableFuture.failedFuture(new DatagramException("datagram of " + payload.length
                    + " bytes exceeds the maximum of " + max + " bytes for this session", -1));
        }
        byte[] copy = payload.clone();
        CompletableFuture<Void> f = new CompletableFuture<>();
        runOnLoop(() -> {
            if (!s.canSend()) {
                failAsync(f, new SessionException("session " + s.sessionId() + " is not open", -1));
                return;
            }
            ByteBuf d = HttpDatagram.encode(quicChannel.alloc(), s.sessionId(), copy);
            quicChannel.writeAndFlush(d).addListener(w -> {
                if (w.isSuccess()) {
                    counters.increment(ProtocolCounters.Kind.DATAGRAMS_SENT);
                    completeAsync(f, null);
                } else {
                    counters.increment(ProtocolCounters.Kind.DATAGRAMS_DROPPED);
                    failAsync(f, new DatagramException("datagram send failed: " + w.cause(), -1, w.cause()));
                }
            });
        }, f);
        return f;
    }

    private void onDatagram(ByteBuf datagram) {
        try {
            long sessionId;
            try {
                sessionId = HttpDatagram.readSessionId(datagram);
            } catch (WireFormatException e) {
                protocolViolation(e.errorCode(), "malformed datagram: " + e.getMessage());
                return;
            }
            SessionImpl s = sessions.get(sessionId);
            if (s == null || !s.isOpen()) {
                counters.increment(ProtocolCounters.Kind.DATAGRAMS_DROPPED);
                return;
            }
            counters.increment(ProtocolCounters.Kind.DATAGRAMS_RECEIVED);
            if (s.datagramsInFlight().incrementAndGet() > config.datagramReceiveQueue()) {
                s.datagramsInFlight().decrementAndGet();
                counters.increment(ProtocolCounters.Kind.DATAGRAMS_DROPPED);
                return;
            }
            byte[] payload = new byte[datagram.readableBytes()];
            datagram.readBytes(payload);
            s.dispatch("onDatagram", h -> {
                s.datagramsInFlight().decrementAndGet();
                h.onDatagram(s, payload);
            });
        } finally {
            datagram.release();
        }
    }

    // ------------------------------------------------------------------ connection

    private void protocolViolation(long code, String message) {
        counters.increment(ProtocolCounters.Kind.PROTOCOL_ERRORS);
        publish(EventType.PROTOCOL_ERROR, Map.of("code", code, "message", message));
        LOG.info("closing connection from {}: {} ({})", quicChannel.remoteSocketAddress(), message, ErrorCodes.name(code));
        if (quicChannel.isActive()) {
            byte[] reason = message.getBytes(StandardCharsets.UTF_8);
            quicChannel.close(true, (int) code, quicChannel.alloc().buffer(reason.length).writeBytes(reason));
        }
    }

    private void onConnectionClosed(Throwable cause) {
        if (connectionState == ConnectionState.CLOSED || connectionState == ConnectionState.FAILED) {
            return;
        }
        connectionState = cause == null ? ConnectionState.CLOSED : ConnectionState.FAILED;
        ConnectionException error = new ConnectionException("QUIC connection closed"
                + (cause == null ? "" : ": " + cause), -1, cause);
        for (SessionImpl s : List.copyOf(sessions.values())) {
            CompletableFuture<WebTransportSession> f = connecting.remove(s.sessionId());
            if (f != null) {
                failAsync(f, error);
            }
            endSession(s, new SessionCloseInfo(0, "", true, error));
            if (isClient) {
                recentlyEnded.put(s.sessionId(), s);
            }
        }
        sessions.clear();
        for (StreamImpl st : streams.values()) {
            st.onChannelClosed();
        }
        streams.clear();
        for (BufferedStream b : bufferedStreams.values()) {
            b.release();
        }
        bufferedStreams.clear();
        pendingRequests.clear();
        for (long id : List.copyOf(earlyCapsuleData.keySet())) {
            releaseEarlyCapsuleData(id);
        }
        PendingOpen p;
        while ((p = pendingOpens.poll()) != null) {
            failAsync(p.future(), error);
        }
        PendingConnect c;
        while ((c = pendingConnects.poll()) != null) {
            failAsync(c.future(), error);
        }
        peerSettingsFuture.completeExceptionally(error);
        publish(EventType.CONNECTION_CLOSED, Map.of("remote", String.valueOf(quicChannel.remoteSocketAddress())));
        CompletionExecutor.execute(quicChannel.eventLoop(), () -> closeFuture.complete(null));
    }

    // ------------------------------------------------------------------ plumbing

    ProtocolHandlerConfig config() {
        return config;
    }

    Executor executor() {
        return executor;
    }

    ProtocolCounters counters() {
        return counters;
    }

    void touch() {
        lastActivityNanos = System.nanoTime();
    }

    private int activeSessionCount() {
        int n = 0;
        for (SessionImpl s : sessions.values()) {
            if (!s.isTerminated()) {
                n++;
            }
        }
        return n;
    }

    private void requireServer() {
        if (isClient) {
            throw new IllegalStateException("server-only operation");
        }
    }

    private void requireClient() {
        if (!isClient) {
            throw new IllegalStateException("client-only operation");
        }
    }

    void runOnLoop(Runnable task, CompletableFuture<?> failOn) {
        Runnable guarded = () -> {
            try {
                task.run();
            } catch (Throwable t) {
                if (failOn != null) {
                    failAsync(failOn, t);
                } else {
                    LOG.error("WebTransport engine task failed", t);
                }
            }
        };
        if (quicChannel.eventLoop().inEventLoop()) {
            guarded.run();
        } else {
            try {
                quicChannel.eventLoop().execute(guarded);
            } catch (RejectedExecutionException e) {
                if (failOn != null) {
                    failOn.completeExceptionally(new ConnectionException("connection is shut down", -1, e));
                }
            }
        }
    }

    <T> void completeAsync(CompletableFuture<T> f, T value) {
        if (f == null || f.isDone()) {
            return;
        }
        try {
            CompletionExecutor.execute(quicChannel.eventLoop(), () -> f.complete(value));
        } catch (RejectedExecutionException e) {
            f.complete(value);
        }
    }

    void failAsync(CompletableFuture<?> f, Throwable error) {
        if (f == null || f.isDone()) {
            return;
        }
        try {
            CompletionExecutor.execute(quicChannel.eventLoop(), () -> f.completeExceptionally(error));
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(error);
        }
    }

    private void publish(EventType type, Map<String, Object> data) {
        List<Consumer<WebTransportEvent>> l = listeners.get(type);
        if (l == null || l.isEmpty()) {
            return;
        }
        WebTransportEvent event = new WebTransportEvent(type, Instant.now(), data);
        for (Consumer<WebTransportEvent> c : l) {
            try {
                executor.execute(() -> {
                    try {
                        c.accept(event);
                    } catch (Throwable t) {
                        LOG.warn("event listener for {} failed", type, t);
                    }
                });
            } catch (RejectedExecutionException ignored) {
                // executor shut down: events are best effort
            }
        }
    }
}
