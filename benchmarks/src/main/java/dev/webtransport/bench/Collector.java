package dev.webtransport.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;

/**
 * A {@link Streams.Receiver} that counts bytes and their CRC-32, keeps the first 64 bytes (for short answers),
 * completes {@link #end} at the stream's end and can signal when a byte count is reached (ping-pong).
 */
public final class Collector implements Streams.Receiver {
    private static final int HEAD = 64;
    private final CRC32 crc = new CRC32();
    private final byte[] head = new byte[HEAD];
    private int headLength;
    private long count;
    private long threshold = Long.MAX_VALUE;
    private CompletableFuture<Void> thresholdReached;
    /** Completes with the total byte count at the end of the stream. */
    public final CompletableFuture<Long> end = new CompletableFuture<>();

    @Override
    public synchronized void onData(ByteBuffer data) {
        int n = data.remaining();
        if (headLength < HEAD) {
            int k = Math.min(HEAD - headLength, n);
            data.duplicate().get(head, headLength, k);
            headLength += k;
        }
        crc.update(data);
        count += n;
        if (count >= threshold && thresholdReached != null) {
            CompletableFuture<Void> f = thresholdReached;
            thresholdReached = null;
            threshold = Long.MAX_VALUE;
            f.complete(null);
        }
    }

    @Override
    public synchronized void onEnd() {
        end.complete(count);
        if (thresholdReached != null) {
            thresholdReached.completeExceptionally(new IllegalStateException("stream ended at " + count + " bytes"));
        }
    }

    @Override
    public synchronized void onError(Throwable error) {
        end.completeExceptionally(error);
        if (thresholdReached != null) {
            thresholdReached.completeExceptionally(error);
        }
    }

    /** Completes once at least {@code total} bytes arrived (one waiter at a time). */
    public synchronized CompletableFuture<Void> awaitCount(long total) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (count >= total) {
            f.complete(null);
        } else {
            threshold = total;
            thresholdReached = f;
        }
        return f;
    }

    public synchronized long count() {
        return count;
    }

    public synchronized long crc() {
        return crc.getValue();
    }

    /** The first bytes received (at most 64). */
    public synchronized ByteBuffer head() {
        return ByteBuffer.wrap(head, 0, headLength).asReadOnlyBuffer();
    }
}
