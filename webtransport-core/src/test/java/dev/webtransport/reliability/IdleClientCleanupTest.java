package dev.webtransport.reliability;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.protocol.HandlerStats;
import dev.webtransport.protocol.WebTransportProtocolUtils;
import dev.webtransport.server.ServerHealth;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that vanishes without closing (its UDP socket simply goes away): the idle timeout cleans up its
 * connection, sessions and streams, and the health details and counters return to where they were.
 */
class IdleClientCleanupTest {

    @Test
    void vanishedClientIsCleanedUpByTheIdleTimeout() throws Exception {
        EchoHandler echo = new EchoHandler();
        try (WebTransportServer server = WebTransportServer.builder().host("127.0.0.1").port(0)
                .certificate(TestCertificates.server())
                .quicConfiguration(WebTransportProtocolUtils.createQuicConfiguration(false)
                        .withMaxIdleTimeout(Duration.ofSeconds(2)))
                .acceptor(new WebTransportRouter().route("/echo", echo)).build().start();
             WebTransportClient client = WebTransportClient.builder()
                     .serverCertificateHash(TestCertificates.development().sha256()).build()) {
            ServerHealth before = server.health();
            HandlerStats statsBefore = server.stats();

            WebTransportSession s = client.connect(URI.create("https://127.0.0.1:" + server.port() + "/echo"),
                    new WebTransportSessionHandler() { }).get(10, TimeUnit.SECONDS);
            WebTransportBidirectionalStream st = s.openBidirectionalStream().get(5, TimeUnit.SECONDS);
            st.write("still open".getBytes()).get(5, TimeUnit.SECONDS);
            WebTransportSession serverSide = echo.opened.poll(5, TimeUnit.SECONDS);
            awaitTrue(() -> server.stats().activeStreams() == statsBefore.activeStreams() + 1, 5);
            assertThat(server.health().activeSessions()).isEqualTo(before.activeSessions() + 1);
            assertThat(server.health().connections()).isEqualTo(before.connections() + 1);

            // Vanish: close the client's UDP socket; no CONNECTION_CLOSE can reach the server.
            client.connections().get(0).quicConnection().parent().close().sync();

            SessionCloseInfo info = serverSide.closed().get(15, TimeUnit.SECONDS);
            assertThat(info.isClean()).isFalse();
            awaitTrue(() -> server.connections().isEmpty(), 10);
            ServerHealth after = server.health();
            assertThat(after.connections()).isEqualTo(before.connections());
            assertThat(after.activeSessions()).isEqualTo(before.activeSessions());
            assertThat(after.activeStreams()).isEqualTo(before.activeStreams());
            assertThat(after.status()).isEqualTo(before.status());
            HandlerStats statsAfter = server.stats();
            assertThat(statsAfter.sessionsClosed()).isEqualTo(statsBefore.sessionsClosed() + 1);
            assertThat(statsAfter.streamsClosed()).isEqualTo(statsAfter.streamsOpened());
        }
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + seconds + " s");
            }
            Thread.sleep(20);
        }
    }
}
