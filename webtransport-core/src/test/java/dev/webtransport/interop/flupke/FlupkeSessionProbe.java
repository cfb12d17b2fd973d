package dev.webtransport.interop.flupke;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import tech.kwik.flupke.webtransport.Session;
import tech.kwik.flupke.webtransport.WebTransportStream;

/**
 * Observes one Flupke {@link Session}: incoming (peer-initiated) bidirectional and unidirectional
 * streams are queued (or handed to given handlers) and the session-terminated event completes
 * {@link #terminated()}.
 *
 * <p>Attach <em>before</em> {@link Session#open()}: Flupke holds (at most 3) streams that arrive for a
 * not-yet-opened session and delivers them to the handlers current at {@code open()}. Flupke calls the
 * handlers on its stream-dispatch thread while holding a lock, so they must not block; the queues
 * never do. Flupke fires the terminated event for a local {@code close(code, reason)} (with the local
 * values) as well as for a peer's CLOSE_WEBTRANSPORT_SESSION capsule or CONNECT-stream FIN/reset
 * (a FIN or reset without a capsule reports {@code (0, "")}). An event that fires before
 * {@link #attach} is lost (Flupke keeps a single listener, no state query).
 */
public final class FlupkeSessionProbe {

    /**
     * The session-terminated event as reported by Flupke.
     *
     * @param code the 32-bit application error code
     * @param reason the UTF-8 reason (empty when none)
     */
    public record Termination(long code, String reason) {
    }

    private final Session session;
    private final BlockingQueue<WebTransportStream> bidirectional = new LinkedBlockingQueue<>();
    private final BlockingQueue<WebTransportStream> unidirectional = new LinkedBlockingQueue<>();
    private final CompletableFuture<Termination> terminated = new CompletableFuture<>();

    private FlupkeSessionProbe(Session session) {
        this.session = Objects.requireNonNull(session);
    }

    /**
     * Registers queueing stream handlers and a terminated listener on {@code session} (replacing any
     * previous ones). Does not open the session.
     *
     * @param session a Flupke session, client or server side
     * @return the probe
     */
    public static FlupkeSessionProbe attach(Session session) {
        return attach(session, null, null);
    }

    /**
     * Like {@link #attach(Session)} but hands incoming streams to the given handlers instead of the
     * queues ({@code null} = queue). Handlers must return quickly (hand work to another thread).
     *
     * @param session a Flupke session
     * @param unidirectionalHandler handler for incoming unidirectional streams, or {@code null}
     * @param bidirectionalHandler handler for incoming bidirectional streams, or {@code null}
     * @return the probe
     */
    public static FlupkeSessionProbe attach(Session session, Consumer<WebTransportStream> unidirectionalHandler,
                                            Consumer<WebTransportStream> bidirectionalHandler) {
        FlupkeSessionProbe probe = new FlupkeSessionProbe(session);
        session.setUnidirectionalStreamReceiveHandler(
                unidirectionalHandler != null ? unidirectionalHandler : probe.unidirectional::add);
        session.setBidirectionalStreamReceiveHandler(
                bidirectionalHandler != null ? bidirectionalHandler : probe.bidirectional::add);
        session.registerSessionTerminatedEventListener(
                (code, reason) -> probe.terminated.complete(new Termination(code, reason == null ? "" : reason)));
        return probe;
    }

    /** @return the observed session */
    public Session session() {
        return session;
    }

    /** @return incoming peer-initiated bidirectional streams, in arrival order */
    public BlockingQueue<WebTransportStream> bidirectionalStreams() {
        return bidirectional;
    }

    /** @return incoming peer-initiated unidirectional streams (input only), in arrival order */
    public BlockingQueue<WebTransportStream> unidirectionalStreams() {
        return unidirectional;
    }

    /** @return completes with the first session-terminated event */
    public CompletableFuture<Termination> terminated() {
        return terminated;
    }

    /**
     * Waits for the next incoming bidirectional stream.
     *
     * @param timeout maximum wait
     * @return the stream
     * @throws TimeoutException if none arrives in time
     * @throws InterruptedException if interrupted
     */
    public WebTransportStream nextBidirectionalStream(Duration timeout) throws TimeoutException, InterruptedException {
        return poll(bidirectional, timeout, "bidirectional");
    }

    /**
     * Waits for the next incoming unidirectional stream.
     *
     * @param timeout maximum wait
     * @return the stream (only {@link WebTransportStream#getInputStream()} is usable)
     * @throws TimeoutException if none arrives in time
     * @throws InterruptedException if interrupted
     */
    public WebTransportStream nextUnidirectionalStream(Duration timeout) throws TimeoutException, InterruptedException {
        return poll(unidirectional, timeout, "unidirectional");
    }

    /**
     * Waits for the session-terminated event.
     *
     * @param timeout maximum wait
     * @return code and reason
     * @throws Exception {@link TimeoutException} if the session is not terminated in time
     */
    public Termination awaitTermination(Duration timeout) throws Exception {
        try {
            return terminated.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (TimeoutException e) {
            throw new TimeoutException("session " + session.getSessionId() + " not terminated within " + timeout);
        }
    }

    private WebTransportStream poll(BlockingQueue<WebTransportStream> queue, Duration timeout, String kind)
            throws TimeoutException, InterruptedException {
        WebTransportStream stream = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (stream == null) {
            throw new TimeoutException("no incoming " + kind + " stream on session " + session.getSessionId()
                    + " within " + timeout);
        }
        return stream;
    }
}
