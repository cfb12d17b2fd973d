package dev.webtransport.reliability;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A handler that does not read while the peer sends 1 GiB: flow control holds the sender (the bytes in flight stay
 * within the QUIC windows plus the engine's receive buffer, and the server's heap does not grow with the stream), and
 * reading later receives every byte (SHA-256 verified).
 */
class SlowConsumerTest {
    static final long TOTAL = 1024L * 1024 * 1024;

    @Test
    @Timeout(240)
    void flowControlHoldsTheSenderAndNothingIsLost() throws Exception {
        CountDownLatch startReading = new CountDownLatch(1);
        AtomicLong heapWhilePaused = new AtomicLong();
        WebTransportSessionHandler lazySink = new WebTransportSessionHandler() {
            @Override
            public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
                try {
                    startReading.await(60, TimeUnit.SECONDS);
                    LossAndReorderingTest.HashingSink sink = new LossAndReorderingTest.HashingSink();
                    sink.onBidirectionalStream(session, stream);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (WebTransportServer server = WebTransportServer.builder().host("127.0.0.1").port(0)
                .certificate(TestCertificates.server()).acceptor(new WebTransportRouter().route("/sink", lazySink))
                .build().start();
             WebTransportClient client = WebTransportClient.builder()
                     .serverCertificateHash(TestCertificates.development().sha256()).build()) {
            WebTransportSession s = client.connect(URI.create("https://127.0.0.1:" + server.port() + "/sink"),
                    new WebTransportSessionHandler() { }).get(10, TimeUnit.SECONDS);
            WebTransportBidirectionalStream stream = s.openBidirectionalStream().get(10, TimeUnit.SECONDS);
            CompletableFuture<byte[]> verdict = stream.readAll(java.time.Duration.ofSeconds(200), 1024);
            CompletableFuture<String> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    return LossAndReorderingTest.send(stream, TOTAL, 7);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            Thread.sleep(3000);
            long accepted = stream.info().bytesSent();
            System.gc();
            heapWhilePaused.set(Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
            // Stream window (4 MiB) + engine receive buffer (1 MiB) + the write in progress: far below 1 GiB.
            assertThat(accepted).as("bytes QUIC accepted while the reader is paused").isLessThan(16L * 1024 * 1024);
            assertThat(sent).isNotDone();
            startReading.countDown();
            String digest = sent.get(200, TimeUnit.SECONDS);
            String answer = new String(verdict.get(200, TimeUnit.SECONDS), StandardCharsets.UTF_8);
            assertThat(answer).isEqualTo(TOTAL + " " + digest);
            System.out.printf("1 GiB slow consumer: %d bytes accepted while paused, heap %d MiB while paused%n",
                    accepted, heapWhilePaused.get() >> 20);
            s.close().get(5, TimeUnit.SECONDS);
        }
    }
}
