package dev.webtransport.protocol;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Completes the futures the engine hands to users, off the event loop.
 *
 * <p>Separate from the handler executor on purpose: a handler that blocks on one of our futures (for example
 * {@code stream.readAll().join()}) must never wait for a completion queued behind itself on a bounded pool (Spring's
 * default task executor has 8 threads). Threads are daemons and die after a minute idle. Continuations attached with
 * the non-async {@code CompletableFuture} methods run here; use the {@code ...Async(executor)} variants to run them
 * elsewhere.
 *
 * <p>Completions raised on an event loop are gathered until the loop has finished its current round of work and then
 * handed to one pool thread together, so a round that completes reads on a hundred streams wakes one thread, not a
 * hundred: each wake-up is a context switch, and on a busy machine those cost more than the work itself. The first
 * completion of a round is handed off at once, so a lone completion is not delayed. A completion
 * whose continuation blocks does not hold up the rest of its batch for long: a watch on the loop checks every
 * {@link #STALL_CHECK_NANOS} and, when one completion has been running since the last check, lets a further thread
 * take the remaining completions.
 */
final class CompletionExecutor {
    private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), new DefaultThreadFactory("webtransport-completion", true));
    /** How often a batch still running is checked for progress. */
    static final long STALL_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final FastThreadLocal<Gatherer> GATHERERS = new FastThreadLocal<>();

    /** Runs tasks on the pool, one hand-off per task (for callers off the event loop). */
    static final Executor INSTANCE = CompletionExecutor::submit;

    private CompletionExecutor() {
    }

    /**
     * Runs {@code task} on the pool. Called on {@code loop}, the task joins the completions of the loop's current
     * round; called elsewhere, it is handed off at once.
     *
     * @throws RejectedExecutionException when neither the pool nor the loop accepts it
     */
    static void execute(EventExecutor loop, Runnable task) {
        if (loop == null || !loop.inEventLoop()) {
            submit(task);
            return;
        }
        Gatherer g = GATHERERS.get();
        if (g == null) {
            g = new Gatherer(loop);
            GATHERERS.set(g);
        }
        g.add(task);
    }

    private static void submit(Runnable task) {
        POOL.execute(task);
    }

    /**
     * The completions of one event loop's current round; touched on that loop only. The first completion of a round
     * leaves at once, so a lone completion (a request-response round trip) waits for nothing; those raised after it in
     * the same round leave together when the round ends.
     */
    private static final class Gatherer {
        private final EventExecutor loop;
        private boolean roundOpen;
        private List<Runnable> pending = new ArrayList<>();
        private final Runnable endRound = this::endRound;

        Gatherer(EventExecutor loop) {
            this.loop = loop;
        }

        void add(Runnable task) {
            if (roundOpen) {
                pending.add(task);
                return;
            }
            try {
                loop.execute(endRound);
                roundOpen = true;
            } catch (RejectedExecutionException e) {
                // the loop is shutting down: no round to gather in
            }
            submitOrRun(task);
        }

        private void endRound() {
            roundOpen = false;
            List<Runnable> tasks = pending;
            if (tasks.isEmpty()) {
                return;
            }
            pending = new ArrayList<>();
            if (tasks.size() == 1) {
                submitOrRun(tasks.get(0));
                return;
            }
            Batch batch = new Batch(tasks.toArray(Runnable[]::new));
            submitOrRun(batch);
            batch.watch(loop);
        }

        private static void submitOrRun(Runnable task) {
            try {
                submit(task);
            } catch (RejectedExecutionException e) {
                task.run(); // the pool refused a thread: better late on the loop than never
            }
        }
    }

    /** Completions run in order by whichever pool threads take part; each is run exactly once. */
    private static final class Batch implements Runnable {
        private final Runnable[] tasks;
        private final AtomicInteger next = new AtomicInteger();
        private int seenAtLastCheck;

        Batch(Runnable[] tasks) {
            this.tasks = tasks;
        }

        @Override
        public void run() {
            int i;
            while ((i = next.getAndIncrement()) < tasks.length) {
                Runnable task = tasks[i];
                tasks[i] = null;
                try {
                    task.run();
                } catch (Throwable ignored) {
                    // completing a future does not throw; a continuation's failure is its own
                }
            }
        }

        /** Schedules the progress check on {@code loop}; it re-arms itself while completions are left. */
        void watch(EventExecutor loop) {
            try {
                loop.schedule(() -> check(loop), STALL_CHECK_NANOS, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // the loop is shutting down; its connections' completions are all being failed right now
            }
        }

        private void check(EventExecutor loop) {
            int started = next.get();
            if (started >= tasks.length) {
                return;
            }
            if (started > 0 && started == seenAtLastCheck) {
                try {
                    submit(this); // stalled on one completion: another thread takes the rest
                } catch (RejectedExecutionException ignored) {
                    // the first thread goes on once its completion returns
                }
            }
            seenAtLastCheck = started;
            watch(loop);
        }
    }
}
