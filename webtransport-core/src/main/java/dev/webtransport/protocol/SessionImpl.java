package dev.webtransport.protocol;

import dev.webtransport.protocol.wire.CapsuleDecoder;
import dev.webtransport.protocol.wire.CloseSessionCapsule;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSendStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;

import java.net.SocketAddress;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** One WebTransport session; state on the connection's event loop, public methods callable from any thread. */
final class SessionImpl implements WebTransportSession {
    private final WebTransportProtocolHandler handler;
    private final QuicStreamChannel connectStream;
    private final WebTransportSessionInfo info;
    private final SerialExecutor callbacks;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private final CompletableFuture<SessionCloseInfo> closed = new CompletableFuture<>();
    private final Set<StreamImpl> streams = new LinkedHashSet<>();
    private final AtomicInteger datagramsInFlight = new AtomicInteger();
    private final CapsuleDecoder capsules;
    private volatile WebTransportSessionHandler userHandler;
    private volatile String protocol;
    private volatile Map<String, String> pathVariables = Map.of();
    private boolean closeCapsuleReceived;
    private io.netty.util.concurrent.ScheduledFuture<?> closeTimer;
    private boolean terminated;
    private SessionFlowControl flow;
    /** Streams with writes waiting for session data credit, served round-robin; event loop only. */
    private final java.util.ArrayDeque<StreamImpl> creditWaiters = new java.util.ArrayDeque<>();

    SessionImpl(WebTransportProtocolHandler handler, QuicStreamChannel connectStream, String path,
                Map<String, List<String>> headers) {
        this.handler = handler;
        this.connectStream = connectStream;
        long id = connectStream.streamId();
        this.info = new WebTransportSessionInfo(id, id, path, headers, Instant.now());
        this.callbacks = new SerialExecutor(handler.executor());
        this.capsules = new CapsuleDecoder(handler.config().maxCapsuleLength());
        this.flow = SessionFlowControl.negotiated(false, FlowControlConfig.disabled(), Map.of(), System.nanoTime());
    }

    /** Session flow-control state; replaced by the negotiated one when the session becomes ready. Event loop only. */
    SessionFlowControl flow() {
        return flow;
    }

    void flow(SessionFlowControl flow) {
        this.flow = flow;
    }

    /** Copies the flow-control limits into {@link #info()}. Event loop only. */
    void publishLimits() {
        info.limits(flow.localMaxData(), flow.peerMaxData(), flow.localMaxStreams(true), flow.peerMaxStreams(true),
                flow.localMaxStreams(false), flow.peerMaxStreams(false));
    }

    /** Queues a stream until session data credit arrives (once). Event loop only. */
    void awaitCredit(StreamImpl stream) {
        if (!creditWaiters.contains(stream)) {
            creditWaiters.add(stream);
        }
    }

    /**
     * Hands fresh session credit to waiting streams, round-robin in slices, so one busy stream cannot take it all.
     * Event loop only.
     */
    void resumeCreditWaiters() {
        // ends: every turn either spends credit or drops a stream with nothing left to send from the queue
        while (!creditWaiters.isEmpty() && flow.sendCredit() > 0) {
            StreamImpl st = creditWaiters.poll();
            st.sendCredited(CREDIT_SLICE);
        }
    }

    /** Largest piece of session credit one waiting stream takes per round. */
    static final int CREDIT_SLICE = 16 * 1024;

    void forgetCreditWaiter(StreamImpl stream) {
        creditWaiters.remove(stream);
    }

    QuicStreamChannel connectStream() {
        return connectStream;
    }

    CapsuleDecoder capsuleDecoder() {
        return capsules;
    }

    Set<StreamImpl> streams() {
        return streams;
    }

    /** The timer that force-closes the CONNECT stream if the peer never answers our close; event loop only. */
    void closeTimer(io.netty.util.concurrent.ScheduledFuture<?> timer) {
        this.closeTimer = timer;
    }

    /** Cancels the close timer so the ended session is not retained until it fires; event loop only. */
    void cancelCloseTimer() {
        if (closeTimer != null) {
            closeTimer.cancel(false);
            closeTimer = null;
        }
    }

    WebTransportSessionHandler userHandlerOrNoop() {
        WebTransportSessionHandler h = userHandler;
        return h != null ? h : new WebTransportSessionHandler() { };
    }

    void userHandler(WebTransportSessionHandler h) {
        this.userHandler = h;
    }

    void negotiated(String protocol, Map<String, String> pathVariables) {
        this.protocol = protocol;
        this.pathVariables = Map.copyOf(pathVariables);
    }

    boolean isBuffered() {
        return info.state() == SessionState.CONNECTING;
    }

    boolean canSend() {
        return WebTransportProtocolUtils.canSendData(handler.connectionState(), info.state());
    }

    boolean isTerminated() {
        return terminated;
    }

    boolean closeCapsuleReceived() {
        return closeCapsuleReceived;
    }

    void closeCapsuleReceived(boolean v) {
        this.closeCapsuleReceived = v;
    }

    AtomicInteger datagramsInFlight() {
        return datagramsInFlight;
    }

    /** Runs a user callback in order on this session's serial executor; a throw closes the session. */
    void dispatch(String what, java.util.function.Consumer<WebTransportSessionHandler> callback) {
        WebTransportSessionHandler h = userHandler;
        if (h == null) {
            return;
        }
        callbacks.execute(() -> invoke(h, what, callback));
    }

    /** Like {@link #dispatch} but, once ordered after earlier callbacks, runs the callback in parallel. */
    void dispatchForked(String what, java.util.function.Consumer<WebTransportSessionHandler> callback) {
        WebTransportSessionHandler h = userHandler;
        if (h == null) {
            return;
        }
        callbacks.fork(() -> invoke(h, what, callback));
    }

    private void invoke(WebTransportSessionHandler h, String what, java.util.function.Consumer<WebTransportSessionHandler> cb) {
        try {
            cb.accept(h);
        } catch (Throwable t) {
            handler.counters().increment(ProtocolCounters.Kind.HANDLER_ERRORS);
            WebTransportProtocolHandler.LOG.warn("WebTransport handler {} of session {} ({}) failed; closing the session",
                    what, sessionId(), info.path(), t);
            try {
                h.onError(this, t);
            } catch (Throwable ignored) {
                // onError itself failed: nothing more to tell
            }
            close(WebTransportSessionHandler.HANDLER_ERROR_CODE, "handler error");
        }
    }

    /** Ends the session locally: resets streams, releases state, completes {@link #closed()}. Event loop only. */
    void terminate(SessionCloseInfo closeInfo) {
        if (terminated) {
            return;
        }
        terminated = true;
        info.markClosed(Instant.now(), closeInfo.code(), closeInfo.reason());
        SessionException gone = new SessionException("session " + sessionId() + " ended: "
                + (closeInfo.reason().isEmpty() ? "code " + closeInfo.code() : closeInfo.reason()), closeInfo.code());
        for (StreamImpl s : List.copyOf(streams)) {
            s.abortForSessionEnd(gone);
        }
        streams.clear();
        creditWaiters.clear();
        capsules.close();
        dispatch("onClose", h -> h.onClose(this, closeInfo));
        CompletionExecutor.INSTANCE.execute(() -> closed.complete(closeInfo));
    }

    @Override
    public long sessionId() {
        return info.sessionId();
    }

    @Override
    public String path() {
        return info.path();
    }

    @Override
    public Map<String, List<String>> headers() {
        return info.headers();
    }

    @Override
    public WebTransportSessionInfo info() {
        return info;
    }

    @Override
    public SocketAddress remoteAddress() {
        return handler.quicConnection().remoteSocketAddress();
    }

    @Override
    public String protocol() {
        return protocol;
    }

    @Override
    public Map<String, String> pathVariables() {
        return pathVariables;
    }

    @Override
    public Map<String, Object> attributes() {
        return attributes;
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletableFuture<WebTransportBidirectionalStream> openBidirectionalStream() {
        return (CompletableFuture<WebTransportBidirectionalStream>) (CompletableFuture<?>)
                handler.openStream(this, QuicStreamType.BIDIRECTIONAL);
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletableFuture<WebTransportSendStream> openUnidirectionalStream() {
        return (CompletableFuture<WebTransportSendStream>) (CompletableFuture<?>)
                handler.openStream(this, QuicStreamType.UNIDIRECTIONAL);
    }

    @Override
    public CompletableFuture<Void> sendDatagram(byte[] payload) {
        return handler.sendDatagram(this, payload);
    }

    @Override
    public int maxDatagramSize() {
        return handler.maxDatagramPayload(sessionId());
    }

    @Override
    public CompletableFuture<Void> close(long code, String reason) {
        CloseSessionCapsule capsule = new CloseSessionCapsule(code, reason);
        return handler.closeSession(this, capsule);
    }

    @Override
    public CompletableFuture<Void> drain() {
        return handler.drainSession(this);
    }

    @Override
    public CompletableFuture<SessionCloseInfo> closed() {
        return closed;
    }

    @Override
    public boolean isOpen() {
        SessionState s = info.state();
        return s == SessionState.CONNECTED || s == SessionState.DRAINING;
    }

    @Override
    public String toString() {
        return "WebTransportSession{id=" + sessionId() + ", path=" + path() + ", state=" + info.state() + '}';
    }
}
