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
    private final ArrayDeque<ByteBuf> received = new ArrayDeque<>();
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
        if (readSideDone || n == 0) {
            data.release();
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
                    return;
                }
                data.readBytes(collector, n);
            } catch (java.io.IOException impossible) {
                throw new IllegalStateException(impossible);
            } finally {
                data.release();
            }
            return;
        }
        received.add(data);
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
            ByteBuf next = received.poll();
            if (next != null) {
                receivedBytes -= next.readableBytes();
                byte[] bytes = new byte[next.readableBytes()];
                next.readBytes(bytes);
                next.release();
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
        ByteBuf b;
        while ((b = received.poll()) != null) {
            b.release();
        }
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
            ByteBuf b;
            while ((b = received.poll()) != null) {
                try {
                    if (out.size() + b.readableBytes() > maxBytes) {
                        handler.failAsync(f, new StreamException("stream " + streamId() + " exceeded readAll limit of "
                                + maxBytes + " bytes", -1));
                        return;
                    }
                    b.readBytes(out, b.readableBytes());
                } catch (java.io.IOException impossible) {
                    throw new IllegalStateException(impossible);
                } finally {
                    b.release();
                }
            }
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
            if (!readSideDone) {
                QuicStreamErrors.stopSending(channel, http3);
                failReads(new StreamException("stream " + streamId() + " stopped locally", applicationErrorCode));
            }
            handler.completeAsync(f, null);
        }, f);
        return f;
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
        ByteBuf buf = data.length == 0 ? Unpooled.EMPTY_BUFFER : channel.alloc().directBuffer(data.length).writeBytes(data);
        Object msg = endStream ? new DefaultQuicStreamFrame(buf, true) : buf;
        if (endStream) {
            sendSideDone = true;
        }
        int n = data.length;
        ChannelFuture cf = channel.writeAndFlush(msg);
        cf.addListener(done -> {
            pendingWriteBytes.addAndGet(-n);
            if (done.isSuccess()) {
                info.addBytesSent(n);
                session.info().addLocalDataSent(n);
                handler.counters().add(ProtocolCounters.Kind.BYTES_SENT, n);
                handler.touch();
                if (endStream) {
                    updateStateAfterSendEnd();
                }
                handler.completeAsync(f, null);
            } else {
                handler.failAsync(f, new StreamException("write on stream " + streamId() + " failed: "
                        + done.cause(), -1, done.cause()));
            }
        });
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
        if (!sendSideDone) {
            sendSideDone = true;
            QuicStreamErrors.resetStream(channel, http3Code);
            info.closed(StreamState.RESET_SENT, reportedCode, reason);
        }
    }

    /** Session ended: reset the send side and stop the receive side with WT_SESSION_GONE. */
    void abortForSessionEnd(WebTransportException cause) {
        if (!sendSideDone) {
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
        releaseReceived();
        if (!readSideDone && !finReceived) {
            failReads(new StreamException("stream " + streamId() + " closed", -1));
        }
        if (!info.state().isTerminal()) {
            info.state(StreamState.CLOSED);
        }
    }

    @Override
    public boolean isWritable() {
        return !sendSideDone && channel.isWritable();
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
