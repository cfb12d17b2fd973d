package dev.webtransport.protocol;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Ordering of session callbacks: serial tasks in order, forked tasks ordered but never holding up later ones. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SerialExecutorTest {
    private ExecutorService pool;

    @BeforeEach
    void startPool() {
        pool = Executors.newFixedThreadPool(4);
    }

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void tasksRunOneAtATimeInOrder() throws Exception {
        SerialExecutor serial = new SerialExecutor(pool);
        List<Integer> seen = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        for (int i = 0; i < 1000; i++) {
            int n = i;
            serial.execute(() -> seen.add(n));
        }
        serial.execute(done::countDown);
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).hasSize(1000).isSorted();
    }

    @Test
    void aForkedTaskStartsAfterEarlierTasksAndDoesNotHoldUpLaterOnes() throws Exception {
        SerialExecutor serial = new SerialExecutor(pool);
        CountDownLatch earlierDone = new CountDownLatch(1);
        CountDownLatch laterRan = new CountDownLatch(1);
        CountDownLatch forkedSawEarlier = new CountDownLatch(1);
        CountDownLatch forkedFinished = new CountDownLatch(1);
        serial.execute(() -> {
            sleep(50);
            earlierDone.countDown();
        });
        serial.fork(() -> {
            if (earlierDone.getCount() == 0) {
                forkedSawEarlier.countDown();
            }
            // blocks until a task queued after it has run: only possible if it does not hold the queue
            try {
                if (laterRan.await(5, TimeUnit.SECONDS)) {
                    forkedFinished.countDown();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        sleep(100); // the fork is running (and was the last queued task) before the next one arrives
        serial.execute(laterRan::countDown);
        assertThat(forkedSawEarlier.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(forkedFinished.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aForkFollowedByMoreTasksIsHandedToThePool() throws Exception {
        SerialExecutor serial = new SerialExecutor(pool);
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch laterRan = new CountDownLatch(1);
        CountDownLatch forkedFinished = new CountDownLatch(1);
        serial.execute(() -> await(gate)); // queue the next two behind this one
        serial.fork(() -> {
            if (await(laterRan)) {
                forkedFinished.countDown();
            }
        });
        serial.execute(laterRan::countDown);
        gate.countDown();
        assertThat(forkedFinished.await(5, TimeUnit.SECONDS)).isTrue();
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
