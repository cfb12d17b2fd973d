package dev.webtransport.reliability;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1000 concurrent sessions over 100 connections (10 sessions each), each with a bidi echo, from one client JVM: all
 * succeed, and afterwards every session and stream map is empty (leaks are caught by the paranoid leak detector).
 */
class ThousandSessionsLoadTest {
    static final int SESSIONS = 1000;

    @Test
    @Timeout(180)
    void thousandConcurrentSessionsEchoAndLeaveNothingBehind() throws Exception {
        try (WebTransportServer server = WebTransportServer.builder().host("127.0.0.1").port(0)
                .certificate(TestCertificates.server())
                .protocolConfig(ProtocolHandlerConfig.defaults().withMaxSessionsPerConnection(10))
                .acceptor(new WebTransportRouter().route("/echo", new EchoHandler())).build().start();
             WebTransportClient client = WebTransportClient.builder()
                     .serverCertificateHash(TestCertificates.development().sha256())
                     .connectTimeout(java.time.Duration.ofSeconds(60)).build()) {
            URI uri = URI.create("https://127.0.0.1:" + server.port() + "/echo");
            List<WebTransportSession> sessions = new ArrayList<>();
            for (int batch = 0; batch < SESSIONS / 100; batch++) {
                List<CompletableFuture<WebTransportSession>> opening = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    opening.add(client.connect(uri, new WebTransportSessionHandler() { }));
                }
                for (CompletableFuture<WebTransportSession> f : opening) {
                    sessions.add(f.get(60, TimeUnit.SECONDS));
                }
            }
            assertThat(sessions).hasSize(SESSIONS);
            assertThat(server.sessions()).hasSize(SESSIONS);
            List<CompletableFuture<Boolean>> echoes = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                byte[] payload = ("session-" + i).getBytes();
                echoes.add(sessions.get(i).openBidirectionalStream().thenCompose(st -> {
                    CompletableFuture<byte[]> back = st.readAll();
                    return st.write(payload, true).thenCompose(v -> back);
                }).thenApply(b -> Arrays.equals(b, payload)));
            }
            for (CompletableFuture<Boolean> e : echoes) {
                assertThat(e.get(60, TimeUnit.SECONDS)).isTrue();
            }
            List<CompletableFuture<Void>> closes = new ArrayList<>();
            for (WebTransportSession s : sessions) {
                closes.add(s.close());
            }
            CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            IdleClientCleanupTest.awaitTrue(() -> server.sessions().isEmpty() && server.stats().activeStreams() == 0, 30);
            assertThat(server.stats().sessionsAccepted()).isEqualTo(SESSIONS);
            assertThat(server.stats().sessionsClosed()).isEqualTo(SESSIONS);
            assertThat(server.stats().streamsClosed()).isEqualTo(server.stats().streamsOpened());
        }
    }
}
