package dev.webtransport.protocol;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in submission order, on a delegate executor. A task submitted with {@link #fork} is only
 * ordered: once its turn comes it runs in parallel with the tasks after it.
 */
final class SerialExecutor implements Executor {
    private final Executor delegate;
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(Executor delegate) {
        this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        delegate.execute(this::drain);
    }

    /**
     * Queues {@code task} behind the earlier tasks; when its turn comes it leaves the queue and runs on its own, so
     * later tasks do not wait for it. When nothing is queued behind it, the draining thread runs it itself (one
     * hand-off fewer) after giving the queue up.
     */
    void fork(Runnable task) {
        execute(new Forked(task));
    }

    private record Forked(Runnable task) implements Runnable {
        @Override
        public void run() {
            task.run();
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            boolean runHere = false;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
                if (next instanceof Forked && tasks.isEmpty()) {
                    running = false; // later tasks start a new drain and never wait for this one
                    runHere = true;
                }
            }
            if (next instanceof Forked forked && !runHere) {
                try {
                    delegate.execute(forked);
                } catch (Throwable ignored) {
                    // a rejecting executor drops the callback, as a plain execute would
                }
                continue;
            }
            try {
                next.run();
            } catch (Throwable ignored) {
                // tasks handle their own errors; never stop the queue
            }
            if (runHere) {
                return;
            }
        }
    }
}
