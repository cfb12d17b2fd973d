package dev.webtransport.server.security;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.server.tls.DevelopmentCertificate;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mutual TLS: with client certificates required, only clients presenting a trusted one get a session. */
class MutualTlsTest {

    @Test
    void onlyClientsWithATrustedCertificateConnect() throws Exception {
        DevelopmentCertificate trustedClient = DevelopmentCertificate.generate(Duration.ofDays(1), List.of("client.test"));
        DevelopmentCertificate strangerClient = DevelopmentCertificate.generate(Duration.ofDays(1), List.of("other.test"));
        try (WebTransportServer server = WebTransportServer.builder().host("127.0.0.1").port(0)
                .certificate(TestCertificates.server())
                .clientCertificates(true, trustedClient.certificate())
                .acceptor(new WebTransportRouter().route("/echo", new EchoHandler())).build().start()) {
            URI uri = URI.create("https://127.0.0.1:" + server.port() + "/echo");
            try (WebTransportClient good = client().clientCertificate(trustedClient.privateKey(),
                    trustedClient.certificate()).build()) {
                WebTransportSession s = good.connect(uri, new WebTransportSessionHandler() { }).get(10, TimeUnit.SECONDS);
                assertThat(s.isOpen()).isTrue();
                s.close().get(5, TimeUnit.SECONDS);
            }
            try (WebTransportClient none = client().build()) {
                assertThatThrownBy(() -> none.connect(uri, new WebTransportSessionHandler() { }).get(10, TimeUnit.SECONDS))
                        .isNotNull();
            }
            try (WebTransportClient stranger = client().clientCertificate(strangerClient.privateKey(),
                    strangerClient.certificate()).build()) {
                assertThatThrownBy(() -> stranger.connect(uri, new WebTransportSessionHandler() { }).get(10, TimeUnit.SECONDS))
                        .isNotNull();
            }
            assertThat(server.stats().sessionsAccepted()).isEqualTo(1);
        }
    }

    private static WebTransportClient.Builder client() {
        return WebTransportClient.builder().serverCertificateHash(TestCertificates.development().sha256())
                .connectTimeout(Duration.ofSeconds(3));
    }
}
