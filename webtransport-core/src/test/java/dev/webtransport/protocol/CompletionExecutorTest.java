package dev.webtransport.protocol;

import io.netty.channel.DefaultEventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Completions raised in one event-loop round leave it in two hand-offs, not one each; one that blocks does not hold up
 * the others for good; none runs on the loop.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CompletionExecutorTest {
    private DefaultEventLoop loop;

    @BeforeEach
    void startLoop() {
        loop = new DefaultEventLoop();
    }

    @AfterEach
    void stopLoop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void completionsOfOneLoopRoundLeaveTheLoopTogether() throws Exception {
        List<Integer> order = new CopyOnWriteArrayList<>();
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch done = new CountDownLatch(100);
        Thread[] loopThread = new Thread[1];
        loop.submit(() -> {
            loopThread[0] = Thread.currentThread();
            for (int i = 0; i < 100; i++) {
                int n = i;
                CompletionExecutor.execute(loop, () -> {
                    order.add(n);
                    threads.add(Thread.currentThread());
                    done.countDown();
                });
            }
        }).sync();
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(order).hasSize(100);
        // two hand-offs for the round: the first completion at once, the other 99 together (a further thread joins
        // only if one completion runs for over a millisecond)
        assertThat(threads).hasSizeLessThanOrEqualTo(4).doesNotContain(loopThread[0]);
        assertThat(threads).allSatisfy(t -> assertThat(t.getName()).startsWith("webtransport-completion"));
    }

    @Test
    void aCompletionThatWaitsForALaterOneInTheSameRoundDoesNotDeadlock() throws Exception {
        CompletableFuture<String> later = new CompletableFuture<>();
        CompletableFuture<String> seenByWaiter = new CompletableFuture<>();
        loop.submit(() -> {
            CompletionExecutor.execute(loop, () -> { }); // the round's first completion leaves on its own
            // a gathered completion's continuation blocks on a future the same round completes after it
            CompletionExecutor.execute(loop, () -> seenByWaiter.complete(later.join()));
            for (int i = 0; i < 10; i++) {
                CompletionExecutor.execute(loop, () -> { });
            }
            CompletionExecutor.execute(loop, () -> later.complete("done"));
        }).sync();
        assertThat(seenByWaiter.get(5, TimeUnit.SECONDS)).isEqualTo("done");
    }

    @Test
    void callsOffTheLoopAreHandedOffAtOnce() throws Exception {
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        CompletionExecutor.execute(loop, () -> ran.complete(Thread.currentThread()));
        assertThat(ran.get(5, TimeUnit.SECONDS).getName()).startsWith("webtransport-completion");
    }

    @Test
    void aBlockedCompletionLetsEveryOtherOneRun() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch others = new CountDownLatch(50);
        loop.submit(() -> {
            for (int i = 0; i < 50; i++) {
                if (i == 3) {
                    CompletionExecutor.execute(loop, () -> awaitQuietly(release));
                }
                CompletionExecutor.execute(loop, others::countDown);
            }
        }).sync();
        try {
            assertThat(others.await(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            release.countDown();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
