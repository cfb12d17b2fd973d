package dev.webtransport.protocol;

import dev.webtransport.protocol.wire.ErrorCodes;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamErrors;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One WebTransport data stream. All state is touched on the connection's event loop; public methods hop onto it.
 * Futures handed to users complete on the engine executor, never on the event loop.
 */
final class StreamImpl implements WebTransportBidirectionalStream {
    private final WebTransportProtocolHandler handler;
    private final SessionImpl session;
    private final QuicStreamChannel channel;
    private final StreamInfo info;
    private final ArrayDeque<byte[]> received = new ArrayDeque<>();
    private final AtomicLong pendingWriteBytes = new AtomicLong();
    private int receivedBytes;
    private boolean finReceived;
    private boolean readSideDone;
    private boolean sendSideDone;
    private WebTransportException readFailure;
    private CompletableFuture<byte[]> pendingRead;
    private ByteArrayOutputStream collector;
    private int collectorLimit;
    private CompletableFuture<byte[]> collectorFuture;
    private ScheduledFuture<?> collectorTimeout;
    /** Whether the last written byte is held back (see {@link #writeWithTailHold}); the byte is {@code tailByte}. */
    private boolean holdingTail;
    private byte tailByte;
    private long lastTailHoldNanos;
    /** Writes waiting for session data credit (session flow control), bounded by maxPendingWriteBytes. */
    private final ArrayDeque<QueuedWrite> creditQueue = new ArrayDeque<>();
    /** Whether writes wait in {@link #creditQueue}; readable from any thread (see {@link #isWritable}). */
    private volatile boolean waitingForCredit;
    private ScheduledFuture<?> tailRelease;
    /** Longest time the last byte of a write may be held back (see {@link #writeWithTailHold}). */
    static final long TAIL_RELEASE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Largest read() result joined from queued chunks; below G1's humongous size for 1 MiB regions. */
    static final int MAX_COALESCED_READ = 256 * 1024;

    StreamImpl(WebTransportProtocolHandler handler, SessionImpl session, QuicStreamChannel channel,
               StreamDirection direction) {
        this.handler = handler;
        this.session = session;
        this.channel = channel;
        this.info = new StreamInfo(channel.streamId(), session.sessionId(), direction, Instant.now());
        this.readSideDone = !direction.canReceive();
        this.sendSideDone = !direction.canSend();
    }

    QuicStreamChannel channel() {
        return channel;
    }

    @Override
    public long streamId() {
        return info.streamId();
    }

    @Override
    public WebTransportSession session() {
        return session;
    }

    @Override
    public StreamDirection direction() {
        return info.direction();
    }

    @Override
    public StreamInfo info() {
        return info;
    }

    // ---------------------------------------------------------------- receive side (event loop)

    void onData(ByteBuf data) {
        int n = data.readableBytes();
        if (n > 0 && !handler.acceptFlowData(session, n)) {
            data.release();
            return;
        }
        if (readSideDone || n == 0) {
            data.release();
            if (n > 0) {
                handler.dataConsumed(session, n);
            }
            return;
        }
        info.addBytesReceived(n);
        session.info().addPeerDataSent(n);
        handler.counters().add(ProtocolCounters.Kind.BYTES_RECEIVED, n);
        if (collector != null) {
            try {
                if (collector.size() + n > collectorLimit) {
                    failCollector(new StreamException("stream " + streamId() + " exceeded readAll limit of "
                            + collectorLimit + " bytes", -1));
                    handler.dataConsumed(session, n);
                    return;
                }
                data.readBytes(collector, n);
                handler.dataConsumed(session, n);
            } catch (java.io.IOException impossible) {
                throw new IllegalStateException(impossible);
            } finally {
                data.release();
            }
            return;
        }
        byte[] bytes = new byte[n];
        data.readBytes(bytes);
        data.release();
        received.add(bytes);
        receivedBytes += n;
        if (receivedBytes >= handler.config().streamReceiveBuffer() && channel.config().isAutoRead()) {
            channel.config().setAutoRead(false);
        }
        deliver();
    }

    void onFin() {
        finReceived = true;
        if (collector != null) {
            byte[] all = collector.toByteArray();
            CompletableFuture<byte[]> f = collectorFuture;
            clearCollector();
            readSideDone = true;
            handler.completeAsync(f, all);
        } else {
            deliver();
        }
        updateStateAfterReceiveEnd();
    }

    void onReset(long http3Code) {
        java.util.OptionalLong app = ErrorCodes.http3ToWebTransport(http3Code);
        WebTransportException failure;
        if (ErrorCodes.isSessionGone(http3Code)) {
            failure = new SessionException("session " + session.sessionId() + " is gone", http3Code);
        } else if (app.isPresent()) {
            failure = new StreamException("stream " + streamId() + " reset by peer with code " + app.getAsLong(),
                    app.getAsLong());
        } else {
            failure = new StreamException("stream " + streamId() + " reset by peer with " + ErrorCodes.name(http3Code),
                    http3Code);
        }
        handler.counters().increment(ProtocolCounters.Kind.STREAMS_RESET);
        info.closed(StreamState.RESET_RECEIVED, app.isPresent() ? app.getAsLong() : http3Code, failure.getMessage());
        failReads(failure);
    }

    private void deliver() {
        if (pendingRead != null) {
            byte[] bytes = pollCoalesced();
            if (bytes != null) {
                receivedBytes -= bytes.length;
                handler.dataConsumed(session, bytes.length);
                CompletableFuture<byte[]> f = pendingRead;
                pendingRead = null;
                resumeReadingIfDrained();
                handler.completeAsync(f, bytes);
            } else if (readFailure != null) {
                CompletableFuture<byte[]> f = pendingRead;
                pendingRead = null;
                handler.failAsync(f, readFailure);
            } else if (finReceived) {
                CompletableFuture<byte[]> f = pendingRead;
                pendingRead = null;
                readSideDone = true;
                handler.completeAsync(f, null);
            }
        }
    }

    /**
     * The next read result: the queued chunks joined, up to {@link #MAX_COALESCED_READ} bytes. QUIC hands us one chunk
     * per received packet (about 1.4 KB) and every read costs two thread hand-offs (onto the event loop, then onto the
     * completion executor), so a reader that fell behind gets what it missed at once. Event loop only.
     */
    private byte[] pollCoalesced() {
        byte[] first = received.poll();
        if (first == null || received.isEmpty() || first.length >= MAX_COALESCED_READ) {
            return first;
        }
        int total = first.length;
        for (byte[] b : received) {
            if (total + b.length > MAX_COALESCED_READ) {
                break;
            }
            total += b.length;
        }
        if (total == first.length) {
            return first;
        }
        byte[] out = new byte[total];
        System.arraycopy(first, 0, out, 0, first.length);
        int off = first.length;
        while (off < total) {
            byte[] b = received.poll();
            System.arraycopy(b, 0, out, off, b.length);
            off += b.length;
        }
        return out;
    }

    private void resumeReadingIfDrained() {
        if (!channel.config().isAutoRead() && receivedBytes <= handler.config().streamReceiveBuffer() / 2
                && !readSideDone && !session.isBuffered()) {
            channel.config().setAutoRead(true);
            channel.read();
        }
    }

    void resumeAfterBuffering() {
        resumeReadingIfDrained();
    }

    private void failReads(WebTransportException failure) {
        readFailure = failure;
        releaseReceived();
        if (collector != null) {
            failCollector(failure);
        }
        deliver();
        readSideDone = true;
    }

    private void failCollector(WebTransportException failure) {
        CompletableFuture<byte[]> f = collectorFuture;
        clearCollector();
        handler.failAsync(f, failure);
    }

    private void clearCollector() {
        collector = null;
        collectorFuture = null;
        if (collectorTimeout != null) {
            collectorTimeout.cancel(false);
            collectorTimeout = null;
        }
    }

    private void releaseReceived() {
        if (receivedBytes > 0) {
            handler.dataConsumed(session, receivedBytes);
        }
        received.clear();
        receivedBytes = 0;
    }

    private void updateStateAfterReceiveEnd() {
        if (info.state().isTerminal()) {
            return;
        }
        if (sendSideDone) {
            info.state(StreamState.CLOSED);
        } else {
            info.state(StreamState.HALF_CLOSED_REMOTE);
        }
    }

    private void updateStateAfterSendEnd() {
        if (info.state().isTerminal()) {
            return;
        }
        if (finReceived || !info.direction().canReceive()) {
            info.state(StreamState.CLOSED);
        } else {
            info.state(StreamState.HALF_CLOSED_LOCAL);
        }
    }

    @Override
    public CompletableFuture<byte[]> read() {
        requireReceiveSide();
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        handler.runOnLoop(() -> {
            if (pendingRead != null || collector != null) {
                handler.failAsync(f, new StreamException("a read is already outstanding on stream " + streamId(), -1));
                return;
            }
            if (readSideDone && received.isEmpty()) {
                if (readFailure != null) {
                    handler.failAsync(f, readFailure);
                } else {
                    handler.completeAsync(f, null);
                }
                return;
            }
            pendingRead = f;
            deliver();
        }, f);
        return f;
    }

    @Override
    public CompletableFuture<byte[]> readAll(Duration timeout, int maxBytes) {
        requireReceiveSide();
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        handler.runOnLoop(() -> {
            if (pendingRead != null || collector != null) {
                handler.failAsync(f, new StreamException("a read is already outstanding on stream " + streamId(), -1));
                return;
            }
            if (readFailure != null) {
                handler.failAsync(f, readFailure);
                return;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] b;
            while ((b = received.poll()) != null) {
                if (out.size() + b.length > maxBytes) {
                    int dropped = out.size() + b.length; // taken from the queue and discarded
                    receivedBytes -= dropped;
                    handler.dataConsumed(session, dropped);
                    resumeReadingIfDrained();
                    handler.failAsync(f, new StreamException("stream " + streamId() + " exceeded readAll limit of "
                            + maxBytes + " bytes", -1));
                    return;
                }
                out.write(b, 0, b.length);
            }
            handler.dataConsumed(session, receivedBytes);
            receivedBytes = 0;
            if (finReceived || readSideDone) {
                readSideDone = true;
                handler.completeAsync(f, out.toByteArray());
                return;
            }
            collector = out;
            collectorLimit = maxBytes;
            collectorFuture = f;
            collectorTimeout = channel.eventLoop().schedule(() -> {
                if (collectorFuture == f) {
                    failCollector(new WebTransportTimeoutException("reading stream " + streamId(), timeout));
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
            resumeReadingIfDrained();
            if (!channel.config().isAutoRead() && !session.isBuffered()) {
                channel.config().setAutoRead(true);
                channel.read();
            }
        }, f);
        return f;
    }

    @Override
    public CompletableFuture<Void> stopSending(long applicationErrorCode) {
        requireReceiveSide();
        long http3 = ErrorCodes.webTransportToHttp3(applicationErrorCode);
        CompletableFuture<Void> f = new CompletableFuture<>();
        handler.runOnLoop(() -> {
            stopSendingOnLoop(http3, applicationErrorCode);
            handler.completeAsync(f, null);
        }, f);
        return f;
    }

    /** Sends STOP_SENDING unless the receive side is done, failing pending and later reads. Event loop only. */
    void stopSendingOnLoop(long http3Code, long applicationErrorCode) {
        if (!readSideDone) {
            QuicStreamErrors.stopSending(channel, http3Code);
            failReads(new StreamException("stream " + streamId() + " stopped locally", applicationErrorCode));
        }
    }

    @Override
    public boolean isFinished() {
        return readSideDone && readFailure == null;
    }

    // ---------------------------------------------------------------- send side

    @Override
    public CompletableFuture<Void> write(byte[] data) {
        return write(data, false);
    }

    @Override
    public CompletableFuture<Void> write(ByteBuffer data) {
        byte[] copy = new byte[data.remaining()];
        data.get(copy);
        return write(copy, false);
    }

    @Override
    public CompletableFuture<Void> write(byte[] data, boolean endStream) {
        requireSendSide();
        CompletableFuture<Void> f = new CompletableFuture<>();
        long pending = pendingWriteBytes.addAndGet(data.length);
        if (pending > handler.config().maxPendingWriteBytes() && data.length > 0) {
            pendingWriteBytes.addAndGet(-data.length);
            f.completeExceptionally(new StreamException("write buffer of stream " + streamId() + " is full ("
                    + handler.config().maxPendingWriteBytes() + " bytes not yet accepted by QUIC); await earlier writes",
                    -1));
            return f;
        }
        byte[] copy = data.clone();
        handler.runOnLoop(() -> writeOnLoop(copy, endStream, f), f);
        return f;
    }

    private void writeOnLoop(byte[] data, boolean endStream, CompletableFuture<Void> f) {
        if (sendSideDone) {
            pendingWriteBytes.addAndGet(-data.length);
            handler.failAsync(f, new StreamException("stream " + streamId() + " can no longer send", -1));
            return;
        }
        if (!session.canSend()) {
            pendingWriteBytes.addAndGet(-data.length);
            handler.failAsync(f, new SessionException("session " + session.sessionId() + " is not open", -1));
            return;
        }
        if (endStream) {
            sendSideDone = true;
        }
        if (!session.flow().enabled()) {
            send(data, endStream, f, data.length);
            return;
        }
        creditQueue.add(new QueuedWrite(data, endStream, f));
        sendCredited(Long.MAX_VALUE);
    }

    /** A write waiting for session data credit; {@code offset} bytes of it were already sent. */
    private static final class QueuedWrite {
        final byte[] data;
        final boolean fin;
        final CompletableFuture<Void> future;
        int offset;

        QueuedWrite(byte[] data, boolean fin, CompletableFuture<Void> future) {
            this.data = data;
            this.fin = fin;
            this.future = future;
        }
    }

    /**
     * Sends queued writes as far as session data credit allows, at most {@code maxBytes}; a stream left with queued
     * bytes waits in its session's credit queue. Event loop only.
     */
    void sendCredited(long maxBytes) {
        SessionFlowControl flow = session.flow();
        long budget = maxBytes;
        while (!creditQueue.isEmpty()) {
            QueuedWrite w = creditQueue.peek();
            int remaining = w.data.length - w.offset;
            long allowed = Math.min(Math.min(remaining, flow.sendCredit()), budget);
            if (allowed < remaining) {
                if (allowed > 0) {
                    int n = (int) allowed;
                    flow.onDataSent(n);
                    budget -= n;
                    writeWithTailHold(java.util.Arrays.copyOfRange(w.data, w.offset, w.offset + n), false);
                    w.offset += n;
                }
                session.awaitCredit(this);
                waitingForCredit = true;
                if (flow.sendCredit() == 0) {
                    handler.reportDataBlocked(session);
                }
                return;
            }
            creditQueue.poll();
            flow.onDataSent(remaining);
            budget -= remaining;
            byte[] rest = w.offset == 0 ? w.data : java.util.Arrays.copyOfRange(w.data, w.offset, w.data.length);
            send(rest, w.fin, w.future, w.data.length);
        }
        waitingForCredit = false;
    }

    /** Fails writes still waiting for credit (the stream or session ended). Event loop only. */
    private void failQueuedWrites(WebTransportException failure) {
        QueuedWrite w;
        while ((w = creditQueue.poll()) != null) {
            pendingWriteBytes.addAndGet(-w.data.length);
            handler.failAsync(w.future, failure);
        }
        waitingForCredit = false;
        session.forgetCreditWaiter(this);
    }

    /** Hands bytes to QUIC; {@code f} completes for the whole user write of {@code n} bytes. */
    private void send(byte[] data, boolean endStream, CompletableFuture<Void> f, int n) {
        ChannelFuture cf = writeWithTailHold(data, endStream);
        if (cf == null) {
            completeWrite(n, endStream, f);
            return;
        }
        cf.addListener(done -> {
            if (done.isSuccess()) {
                completeWrite(n, endStream, f);
            } else {
                pendingWriteBytes.addAndGet(-n);
                handler.failAsync(f, new StreamException("write on stream " + streamId() + " failed: "
                        + done.cause(), -1, done.cause()));
            }
        });
    }

    private void completeWrite(int n, boolean endStream, CompletableFuture<Void> f) {
        pendingWriteBytes.addAndGet(-n);
        info.addBytesSent(n);
        session.info().addLocalDataSent(n);
        handler.counters().add(ProtocolCounters.Kind.BYTES_SENT, n);
        handler.touch();
        if (endStream) {
            updateStateAfterSendEnd();
        }
        handler.completeAsync(f, null);
    }

    /**
     * Writes bytes to QUIC, holding back the last byte while a later FIN-only frame could be lost.
     *
     * <p>The QUIC library bundled with Netty 4.2.18 drops a FIN written without data once every earlier byte of the
     * stream was acknowledged and the receive side is finished: the stream counts as complete and is collected before
     * the FIN is ever sent, so the peer waits forever. While the stream is in that state (a local uni stream, or a bidi
     * stream whose peer already ended) we keep the last written byte back until the next write, {@code end()} (which
     * then carries it with the FIN), or {@link #TAIL_RELEASE_NANOS} after the latest write, whichever comes first. One
     * timer per stream serves all writes (it re-arms itself for what is left of the period), and the byte is carried
     * into the next write's buffer without another copy.
     * {@code EngineIntegrationTest.manyConcurrentStreamsOnOneSession} (an echo that ends each stream separately) guards
     * this; without the hold a few of its 100 streams hang.
     *
     * <p>The timer does not release the byte while the stream has no send capacity (see {@link #releaseTail}): the
     * FIN-only frame is lost when the ACK of the released byte is processed before the FIN could leave, which is what
     * happens under a full congestion window (quiche counts the stream as complete once every byte up to the final
     * size is acknowledged and collects it, FIN unsent). An echo whose {@code end()} came more than 20 ms after its
     * last write (an executor hop under load, a cold JVM) lost its FIN that way in about 1 run in 10 of
     * {@code manyConcurrentStreamsOnOneSession} and about 1 stream in 1000 against Flupke. Holding the byte while
     * QUIC cannot send costs at most one more timer period, as it could not leave earlier anyway.
     */
    private ChannelFuture writeWithTailHold(byte[] data, boolean fin) {
        boolean carried = holdingTail;
        int total = data.length + (carried ? 1 : 0);
        boolean hold = !fin && total > 0 && finOnlyFrameAtRisk();
        int out = hold ? total - 1 : total;
        byte carriedByte = tailByte;
        if (hold) {
            tailByte = data.length > 0 ? data[data.length - 1] : carriedByte;
            holdingTail = true;
            lastTailHoldNanos = System.nanoTime();
            if (tailRelease == null) {
                tailRelease = channel.eventLoop().schedule(this::releaseTail, TAIL_RELEASE_NANOS, TimeUnit.NANOSECONDS);
            }
        } else {
            dropHeldTail();
        }
        if (out == 0 && !fin) {
            return null;
        }
        ByteBuf buf = Unpooled.EMPTY_BUFFER;
        if (out > 0) {
            buf = channel.alloc().directBuffer(out);
            if (carried) {
                buf.writeByte(carriedByte);
            }
            buf.writeBytes(data, 0, out - (carried ? 1 : 0));
        }
        return channel.writeAndFlush(fin ? new DefaultQuicStreamFrame(buf, true) : buf);
    }

    private boolean finOnlyFrameAtRisk() {
        return info.direction() == StreamDirection.SEND_ONLY || finReceived;
    }

    /** Forgets the held byte (it was sent, or the send side ended) and its timer. Event loop only. */
    private void dropHeldTail() {
        holdingTail = false;
        if (tailRelease != null) {
            tailRelease.cancel(false);
            tailRelease = null;
        }
    }

    private void releaseTail() {
        tailRelease = null;
        if (holdingTail && !sendSideDone && channel.isActive()) {
            long heldFor = System.nanoTime() - lastTailHoldNanos;
            if (heldFor < TAIL_RELEASE_NANOS || !channel.isWritable()) {
                // Written again since the timer was armed: wait out the rest of the period after that write. Or QUIC
                // has no send capacity now (e.g. a full congestion window), so the byte would only wait in a queue:
                // keep holding it, so that an end() in the meantime still sends the FIN with it.
                long delay = heldFor < TAIL_RELEASE_NANOS ? TAIL_RELEASE_NANOS - heldFor : TAIL_RELEASE_NANOS;
                tailRelease = channel.eventLoop().schedule(this::releaseTail, delay, TimeUnit.NANOSECONDS);
                return;
            }
            holdingTail = false;
            channel.writeAndFlush(channel.alloc().directBuffer(1).writeByte(tailByte));
        }
    }

    /** Writes the stream preamble (not counted as stream data). */
    void writePreamble(byte[] preamble) {
        writeWithTailHold(preamble, false);
    }

    @Override
    public CompletableFuture<Void> end() {
        return write(new byte[0], true);
    }

    @Override
    public CompletableFuture<Long> writeChunked(byte[] data, int chunkSize, boolean endStream) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunkSize must be positive");
        }
        CompletableFuture<Long> result = new CompletableFuture<>();
        writeChunk(data, 0, chunkSize, endStream, result);
        return result;
    }

    private void writeChunk(byte[] data, int offset, int chunkSize, boolean endStream, CompletableFuture<Long> result) {
        int len = Math.min(chunkSize, data.length - offset);
        boolean last = offset + len >= data.length;
        byte[] chunk = java.util.Arrays.copyOfRange(data, offset, offset + len);
        write(chunk, last && endStream).whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else if (last) {
                result.complete((long) data.length);
            } else {
                writeChunk(data, offset + len, chunkSize, endStream, result);
            }
        });
    }

    @Override
    public CompletableFuture<Void> reset(long applicationErrorCode) {
        requireSendSide();
        long http3 = ErrorCodes.webTransportToHttp3(applicationErrorCode);
        CompletableFuture<Void> f = new CompletableFuture<>();
        handler.runOnLoop(() -> {
            resetOnLoop(http3, applicationErrorCode, "reset locally");
            handler.completeAsync(f, null);
        }, f);
        return f;
    }

    void resetOnLoop(long http3Code, long reportedCode, String reason) {
        dropHeldTail();
        boolean finQueued = !creditQueue.isEmpty();
        failQueuedWrites(new StreamException("stream " + streamId() + " " + reason, reportedCode));
        if (!sendSideDone || finQueued) {
            sendSideDone = true;
            QuicStreamErrors.resetStream(channel, http3Code);
            info.closed(StreamState.RESET_SENT, reportedCode, reason);
        }
    }

    /** Session ended: reset the send side and stop the receive side with WT_SESSION_GONE. */
    void abortForSessionEnd(WebTransportException cause) {
        dropHeldTail();
        boolean finQueued = !creditQueue.isEmpty();
        failQueuedWrites(cause);
        if (!sendSideDone || finQueued) {
            sendSideDone = true;
            if (channel.isActive()) {
                QuicStreamErrors.resetStream(channel, ErrorCodes.WT_SESSION_GONE);
            }
        }
        if (!readSideDone) {
            if (channel.isActive()) {
                QuicStreamErrors.stopSending(channel, ErrorCodes.WT_SESSION_GONE);
            }
            failReads(cause);
        }
        info.closed(StreamState.CLOSED, ErrorCodes.WT_SESSION_GONE, "session ended");
        releaseReceived();
    }

    void onChannelClosed() {
        failQueuedWrites(new StreamException("stream " + streamId() + " closed", -1));
        if (!readSideDone && !finReceived) {
            failReads(new StreamException("stream " + streamId() + " closed", -1));
        }
        if (!info.state().isTerminal()) {
            info.state(StreamState.CLOSED);
        }
    }

    @Override
    public boolean isWritable() {
        return !sendSideDone && channel.isWritable() && !waitingForCredit;
    }

    private void requireSendSide() {
        if (!info.direction().canSend()) {
            throw new UnsupportedOperationException("stream " + streamId() + " is receive-only");
        }
    }

    private void requireReceiveSide() {
        if (!info.direction().canReceive()) {
            throw new UnsupportedOperationException("stream " + streamId() + " is send-only");
        }
    }

    @Override
    public String toString() {
        return "WebTransportStream{" + info + '}';
    }
}
