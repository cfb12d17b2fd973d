package dev.webtransport.session;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The readable side of a stream. Received bytes wait in a bounded buffer; when it fills, the engine stops reading
 * from QUIC so the peer is held back by flow control.
 */
public interface WebTransportReceiveStream extends WebTransportStream {
    /**
     * The next chunk of bytes; completes with {@code null} at the end of the stream, and exceptionally with a
     * {@link dev.webtransport.protocol.StreamException} when the peer reset it (its code in {@code errorCode()}).
     * At most one read may be outstanding.
     */
    CompletableFuture<byte[]> read();

    /**
     * Every remaining byte until the peer ends the stream (the seed's {@code read_stream_complete}), failing after
     * {@code timeout} or when more than {@code maxBytes} arrive.
     */
    CompletableFuture<byte[]> readAll(Duration timeout, int maxBytes);

    /** {@link #readAll(Duration, int)} with a 30 s timeout and a 64 MiB limit. */
    default CompletableFuture<byte[]> readAll() {
        return readAll(Duration.ofSeconds(30), 64 * 1024 * 1024);
    }

    /** Asks the peer to stop sending (STOP_SENDING with a 32-bit WebTransport application code). */
    CompletableFuture<Void> stopSending(long applicationErrorCode);

    /** Whether the peer ended the stream and every byte was read. */
    boolean isFinished();
}
