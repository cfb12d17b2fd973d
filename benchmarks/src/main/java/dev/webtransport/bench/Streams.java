package dev.webtransport.bench;

import dev.webtransport.session.WebTransportReceiveStream;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** Small asynchronous stream helpers shared by the clients and the servers. */
public final class Streams {
    private Streams() {
    }

    /** Anything bytes can be written to; the future completes when the transport accepted them. */
    @FunctionalInterface
    public interface Writable {
        CompletableFuture<Void> write(byte[] data, boolean fin);
    }

    /** Receives a stream's bytes in order, then its end (or an error). */
    public interface Receiver {
        void onData(ByteBuffer data);

        void onEnd();

        void onError(Throwable error);
    }

    /** What to do with one chunk read from our session API: null to go on at once, or a stage to wait for. */
    @FunctionalInterface
    public interface ChunkHandler {
        CompletionStage<?> onChunk(byte[] chunk);
    }

    /**
     * Writes {@code total} pattern bytes (offsets {@code 0..total}) in {@link BenchProtocol#CHUNK} pieces, keeping at most
     * {@code window} writes outstanding; the last piece carries FIN when {@code fin}. An optional prefix (a header)
     * goes first. Completes when the last write was accepted.
     */
    public static CompletableFuture<Void> writePattern(Writable out, byte[] prefix, long total, int window, boolean fin) {
        PatternWriter w = new PatternWriter(out, prefix, total, window, fin);
        w.pump();
        return w.done;
    }

    private static final class PatternWriter {
        final Writable out;
        final long total;
        final int window;
        final boolean fin;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        byte[] prefix;
        long offset;
        int inflight;
        boolean pumping;
        boolean again;

        PatternWriter(Writable out, byte[] prefix, long total, int window, boolean fin) {
            this.out = out;
            this.prefix = prefix;
            this.total = total;
            this.window = window;
            this.fin = fin;
        }

        void pump() {
            synchronized (this) {
                if (pumping) {
                    again = true;
                    return;
                }
                pumping = true;
            }
            while (true) {
                byte[] data;
                boolean last;
                synchronized (this) {
                    if (done.isDone()) {
                        pumping = false;
                        return;
                    }
                    boolean finished = offset >= total && prefix == null;
                    if (finished && inflight == 0) {
                        pumping = false;
                        done.complete(null);
                        return;
                    }
                    if (finished || inflight >= window) {
                        if (again) {
                            again = false;
                            continue;
                        }
                        pumping = false;
                        return;
                    }
                    int len = (int) Math.min(BenchProtocol.CHUNK, total - offset);
                    if (prefix != null) {
                        data = new byte[prefix.length + len];
                        System.arraycopy(prefix, 0, data, 0, prefix.length);
                        BenchProtocol.fill(offset, data, prefix.length, len);
                        prefix = null;
                    } else {
                        data = BenchProtocol.chunk(offset, len);
                    }
                    offset += len;
                    last = offset >= total;
                    inflight++;
                }
                CompletableFuture<Void> f;
                try {
                    f = out.write(data, last && fin);
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                f.whenComplete((v, e) -> {
                    if (e != null) {
                        done.completeExceptionally(e);
                        return;
                    }
                    synchronized (this) {
                        inflight--;
                    }
                    pump();
                });
            }
        }
    }

    /**
     * Reads a stream of our session API until its end, handing each chunk to {@code handler} (and waiting for the
     * stage it returns before the next read); {@code onEnd} runs at the end, {@code onError} on failure. Iterative, so
     * already-completed reads do not grow the stack.
     */
    public static void readLoop(WebTransportReceiveStream in, ChunkHandler handler, Runnable onEnd,
                                java.util.function.Consumer<Throwable> onError) {
        while (true) {
            CompletableFuture<byte[]> f = in.read();
            if (!f.isDone()) {
                f.whenComplete((chunk, error) -> {
                    if (step(chunk, error, in, handler, onEnd, onError)) {
                        readLoop(in, handler, onEnd, onError);
                    }
                });
                return;
            }
            byte[] chunk;
            Throwable error = null;
            try {
                chunk = f.join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                chunk = null;
                error = e.getCause() != null ? e.getCause() : e;
            }
            if (!step(chunk, error, in, handler, onEnd, onError)) {
                return;
            }
        }
    }

    /** Handles one read result; true when the caller should read again right away. */
    private static boolean step(byte[] chunk, Throwable error, WebTransportReceiveStream in, ChunkHandler handler,
                                Runnable onEnd, java.util.function.Consumer<Throwable> onError) {
        if (error != null) {
            onError.accept(error);
            return false;
        }
        if (chunk == null) {
            onEnd.run();
            return false;
        }
        CompletionStage<?> wait;
        try {
            wait = handler.onChunk(chunk);
        } catch (RuntimeException e) {
            onError.accept(e);
            return false;
        }
        if (wait == null) {
            return true;
        }
        CompletableFuture<?> cf = wait.toCompletableFuture();
        if (cf.isDone() && !cf.isCompletedExceptionally()) {
            return true;
        }
        cf.whenComplete((v, e) -> {
            if (e != null) {
                onError.accept(e);
            } else {
                readLoop(in, handler, onEnd, onError);
            }
        });
        return false;
    }
}
