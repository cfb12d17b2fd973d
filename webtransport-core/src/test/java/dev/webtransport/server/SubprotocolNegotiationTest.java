package dev.webtransport.server;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.protocol.SessionRejectedException;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** wt-available-protocols / wt-protocol: accept, choose among several, reject. */
class SubprotocolNegotiationTest {
    static WebTransportServer server;
    static WebTransportClient client;

    @BeforeAll
    static void start() {
        WebTransportRouter router = new WebTransportRouter()
                .route("/chat", (r, v) -> new EchoHandler(), offered -> offered.stream()
                        .filter(List.of("chat-v2", "chat-v1")::contains)
                        .min((a, b) -> List.of("chat-v2", "chat-v1").indexOf(a) - List.of("chat-v2", "chat-v1").indexOf(b))
                        .orElse(null))
                .route("/plain", new EchoHandler());
        server = WebTransportServer.builder().host("127.0.0.1").port(0).certificate(TestCertificates.server())
                .acceptor(router).build().start();
        client = WebTransportClient.builder().serverCertificateHash(TestCertificates.development().sha256()).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    private WebTransportSession open(String path, String offered) throws Exception {
        Map<String, String> headers = offered == null ? Map.of() : Map.of("wt-available-protocols", offered);
        return client.connect(URI.create("https://127.0.0.1:" + server.port() + path), headers,
                new WebTransportSessionHandler() { }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void theOnlyOfferedProtocolIsAccepted() throws Exception {
        WebTransportSession s = open("/chat", "\"chat-v1\"");
        assertThat(s.protocol()).isEqualTo("chat-v1");
        assertThat(server.sessions()).anySatisfy(ss -> assertThat(ss.protocol()).isEqualTo("chat-v1"));
        s.close().get(5, TimeUnit.SECONDS);
    }

    @Test
    void theServerChoosesItsPreferredAmongSeveral() throws Exception {
        WebTransportSession s = open("/chat", "\"chat-v1\", \"chat-v2\", \"other\"");
        assertThat(s.protocol()).isEqualTo("chat-v2");
        s.close().get(5, TimeUnit.SECONDS);
    }

    @Test
    void noAcceptableProtocolIsRejected() {
        assertThatThrownBy(() -> open("/chat", "\"v0\", \"v9\""))
                .hasCauseInstanceOf(SessionRejectedException.class)
                .cause().satisfies(e -> assertThat(((SessionRejectedException) e).status()).isEqualTo(400));
    }

    @Test
    void withoutNegotiationThereIsNoProtocol() throws Exception {
        WebTransportSession s = open("/plain", "\"chat-v1\"");
        assertThat(s.protocol()).isNull();
        s.close().get(5, TimeUnit.SECONDS);
        WebTransportSession t = open("/chat", null);
        assertThat(t.protocol()).isNull();
        t.close().get(5, TimeUnit.SECONDS);
    }
}
