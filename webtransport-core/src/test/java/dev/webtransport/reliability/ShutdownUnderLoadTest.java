package dev.webtransport.reliability;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Graceful shutdown with 20 sessions that each have a stream in flight: the streams finish within the drain timeout,
 * then the remaining sessions are closed with {@link WebTransportServer#SHUTDOWN_CLOSE_CODE}, and nothing hangs.
 */
class ShutdownUnderLoadTest {

    @Test
    @Timeout(60)
    void inFlightStreamsFinishThenSessionsCloseWithTheShutdownCode() throws Exception {
        WebTransportSessionHandler slowEcho = new WebTransportSessionHandler() {
            @Override
            public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
                stream.readAll().thenCompose(b -> CompletableFuture.runAsync(() -> { },
                        CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS)).thenCompose(v -> stream.write(b, true)));
            }
        };
        WebTransportServer server = WebTransportServer.builder().host("127.0.0.1").port(0)
                .certificate(TestCertificates.server()).acceptor(new WebTransportRouter().route("/slow", slowEcho))
                .build().start();
        try (WebTransportClient client = WebTransportClient.builder()
                .serverCertificateHash(TestCertificates.development().sha256()).build()) {
            URI uri = URI.create("https://127.0.0.1:" + server.port() + "/slow");
            List<WebTransportSession> sessions = new ArrayList<>();
            List<CompletableFuture<byte[]>> replies = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                WebTransportSession s = client.connect(uri, new WebTransportSessionHandler() { }).get(10, TimeUnit.SECONDS);
                sessions.add(s);
                WebTransportBidirectionalStream st = s.openBidirectionalStream().get(5, TimeUnit.SECONDS);
                replies.add(st.readAll());
                st.write(("job-" + i).getBytes(), true).get(5, TimeUnit.SECONDS);
            }
            long start = System.nanoTime();
            CompletableFuture<Void> shutdown = server.shutdown(Duration.ofSeconds(3));
            for (int i = 0; i < 20; i++) {
                assertThat(new String(replies.get(i).get(10, TimeUnit.SECONDS))).isEqualTo("job-" + i);
            }
            for (WebTransportSession s : sessions) {
                SessionCloseInfo info = s.closed().get(15, TimeUnit.SECONDS);
                assertThat(info.code()).isEqualTo(WebTransportServer.SHUTDOWN_CLOSE_CODE);
            }
            shutdown.get(15, TimeUnit.SECONDS);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(took).isBetween(2500L, 15_000L);
            assertThat(server.isRunning()).isFalse();
        } finally {
            server.close();
        }
    }
}
