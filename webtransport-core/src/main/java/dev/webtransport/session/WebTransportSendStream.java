package dev.webtransport.session;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * The writable side of a stream. Each write's future completes once QUIC accepted the bytes (flow control
 * permitting), so awaiting it paces the writer to the reader. Writes not yet accepted are bounded: beyond
 * the stream's pending-write limit a write fails fast with a {@link dev.webtransport.protocol.StreamException}.
 */
public interface WebTransportSendStream extends WebTransportStream {
    /** Writes bytes (copied). */
    CompletableFuture<Void> write(byte[] data);

    /** Writes the remaining bytes of the buffer (copied). */
    CompletableFuture<Void> write(ByteBuffer data);

    /** Writes bytes and, when {@code endStream}, ends the stream with them (FIN on the last frame, never truncated). */
    CompletableFuture<Void> write(byte[] data, boolean endStream);

    /** Ends the stream (FIN) after everything written before; completes when the FIN was handed to QUIC. */
    CompletableFuture<Void> end();

    /**
     * Writes {@code data} in chunks of {@code chunkSize}, each after the previous one was accepted (the seed's
     * {@code write_stream_chunked}). Completes with the number of bytes written.
     */
    CompletableFuture<Long> writeChunked(byte[] data, int chunkSize, boolean endStream);

    /** Abruptly ends the send side with a 32-bit WebTransport application error code (RESET_STREAM). */
    CompletableFuture<Void> reset(long applicationErrorCode);

    /** Whether QUIC would accept more data now without queueing. */
    boolean isWritable();
}
