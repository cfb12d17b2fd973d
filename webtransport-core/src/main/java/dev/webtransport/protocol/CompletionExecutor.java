package dev.webtransport.protocol;

import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Completes the futures the engine hands to users. Separate from the handler executor on purpose: a handler that
 * blocks on one of our futures (for example {@code stream.readAll().join()}) must never wait for a completion queued
 * behind itself on a bounded pool (Spring's default task executor has 8 threads). Threads are daemons and die after
 * a minute idle. Continuations attached with the non-async {@code CompletableFuture} methods run here; use the
 * {@code ...Async(executor)} variants to run them elsewhere.
 */
final class CompletionExecutor {
    static final Executor INSTANCE = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), new DefaultThreadFactory("webtransport-completion", true));

    private CompletionExecutor() {
    }
}
