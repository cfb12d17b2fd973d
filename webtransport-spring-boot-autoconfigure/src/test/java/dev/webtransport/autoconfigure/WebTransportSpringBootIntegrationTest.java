package dev.webtransport.autoconfigure;

import dev.webtransport.autoconfigure.annotation.OnBidirectionalStream;
import dev.webtransport.autoconfigure.annotation.OnClose;
import dev.webtransport.autoconfigure.annotation.OnDatagram;
import dev.webtransport.autoconfigure.annotation.OnOpen;
import dev.webtransport.autoconfigure.annotation.OnSessionRequest;
import dev.webtransport.autoconfigure.annotation.OnUnidirectionalStream;
import dev.webtransport.autoconfigure.annotation.PathVariable;
import dev.webtransport.autoconfigure.annotation.RequestHeader;
import dev.webtransport.autoconfigure.annotation.WebTransportEndpoint;
import dev.webtransport.client.WebTransportClient;
import dev.webtransport.protocol.SessionRejectedException;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportReceiveStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.context.event.EventListener;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A real Spring Boot application with two annotated endpoints, Actuator and Prometheus, driven by our client. */
@SpringBootTest(classes = WebTransportSpringBootIntegrationTest.TestApp.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"webtransport.server.port=0", "webtransport.server.host=localhost",
                "management.endpoints.web.exposure.include=health,prometheus,webtransport",
                "management.endpoint.health.show-details=always"})
class WebTransportSpringBootIntegrationTest {
    static final BlockingQueue<Object> EVENTS = new LinkedBlockingQueue<>();
    static WebTransportClient client;

    @Value("${local.webtransport.server.port}")
    int wtPort;

    @Value("${local.server.port}")
    int httpPort;

    @Autowired
    WebTransportCertificate certificate;

    @SpringBootApplication
    @Import({EchoEndpoint.class, RoomEndpoint.class})
    static class TestApp {
        @EventListener
        void opened(WebTransportSessionOpenedEvent e) {
            EVENTS.add("opened " + e.getSession().path());
        }

        @EventListener
        void closed(WebTransportSessionClosedEvent e) {
            EVENTS.add("closed " + e.getSession().path() + " " + e.getCloseInfo().code());
        }
    }

    /** Echo endpoint using payload parameters and return values. */
    @WebTransportEndpoint("/echo")
    static class EchoEndpoint {
        @OnBidirectionalStream
        String echo(String body) {
            return "echo:" + body;
        }

        @OnUnidirectionalStream
        byte[] uni(byte[] body) {
            return body;
        }

        @OnDatagram
        byte[] datagram(byte[] payload) {
            return payload;
        }

        @OnClose
        void closed(WebTransportSession session, SessionCloseInfo info) {
            EVENTS.add("onClose " + info.code() + " " + info.reason());
        }
    }

    /** Room endpoint with header-based admission and path variables. */
    @WebTransportEndpoint("/rooms/{room}")
    static class RoomEndpoint {
        @OnSessionRequest
        boolean admit(@RequestHeader("x-token") String token, @PathVariable("room") String room) {
            return "secret".equals(token) && !"forbidden".equals(room);
        }

        @OnOpen
        void open(WebTransportSession session, @PathVariable String room) {
            session.openUnidirectionalStream().thenCompose(s -> s.write(("welcome to " + room)
                    .getBytes(StandardCharsets.UTF_8), true));
        }
    }

    @AfterAll
    static void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    WebTransportClient client() {
        if (client == null) {
            client = WebTransportClient.builder().serverCertificateHash(certificate.sha256()).build();
        }
        return client;
    }

    URI uri(String path) {
        return URI.create("https://127.0.0.1:" + wtPort + path);
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(15, TimeUnit.SECONDS);
    }

    @Test
    void echoEndpointServesStreamsAndDatagrams() throws Exception {
        BlockingQueue<byte[]> datagrams = new LinkedBlockingQueue<>();
        BlockingQueue<WebTransportReceiveStream> uni = new LinkedBlockingQueue<>();
        WebTransportSession s = await(client().connect(uri("/echo"), new WebTransportSessionHandler() {
            @Override
            public void onDatagram(WebTransportSession session, byte[] payload) {
                datagrams.add(payload);
            }

            @Override
            public void onUnidirectionalStream(WebTransportSession session, WebTransportReceiveStream stream) {
                uni.add(stream);
            }
        }));
        WebTransportBidirectionalStream bidi = await(s.openBidirectionalStream());
        CompletableFuture<byte[]> reply = bidi.readAll();
        await(bidi.write("hello".getBytes(StandardCharsets.UTF_8), true));
        assertThat(new String(await(reply), StandardCharsets.UTF_8)).isEqualTo("echo:hello");

        await(s.openUnidirectionalStream().thenCompose(u -> u.write("one-way".getBytes(), true)));
        assertThat(new String(await(uni.poll(10, TimeUnit.SECONDS).readAll()))).isEqualTo("one-way");

        for (int i = 0; i < 10; i++) {
            await(s.sendDatagram(new byte[] {(byte) i}));
        }
        int got = 0;
        while (datagrams.poll(2, TimeUnit.SECONDS) != null && ++got < 10) {
            // count
        }
        assertThat(got).isGreaterThanOrEqualTo(8);
        await(s.close(77, "done"));
        assertThat(EVENTS.poll(10, TimeUnit.SECONDS)).isEqualTo("opened /echo");
        Object a = EVENTS.poll(10, TimeUnit.SECONDS);
        Object b = EVENTS.poll(10, TimeUnit.SECONDS);
        assertThat(java.util.List.of(a, b)).containsExactlyInAnyOrder("onClose 77 done", "closed /echo 77");
    }

    @Test
    void pathVariablesAndHeaderBasedAdmission() throws Exception {
        EVENTS.clear();
        assertThatThrownBy(() -> await(client().connect(uri("/rooms/blue"), new WebTransportSessionHandler() { })))
                .cause().isInstanceOf(SessionRejectedException.class)
                .satisfies(e -> assertThat(((SessionRejectedException) e).status()).isEqualTo(403));
        assertThatThrownBy(() -> await(client().connect(uri("/rooms/forbidden"), Map.of("x-token", "secret"),
                new WebTransportSessionHandler() { })))
                .cause().satisfies(e -> assertThat(((SessionRejectedException) e).status()).isEqualTo(403));
        BlockingQueue<WebTransportReceiveStream> uni = new LinkedBlockingQueue<>();
        WebTransportSession s = await(client().connect(uri("/rooms/blue"), Map.of("x-token", "secret"),
                new WebTransportSessionHandler() {
                    @Override
                    public void onUnidirectionalStream(WebTransportSession session, WebTransportReceiveStream stream) {
                        uni.add(stream);
                    }
                }));
        assertThat(new String(await(uni.poll(10, TimeUnit.SECONDS).readAll()))).isEqualTo("welcome to blue");
        await(s.close());
        EVENTS.clear();
    }

    @Test
    void healthAndPrometheusReportTrueValues() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String before = get(http, "/actuator/prometheus");
        double bytesBefore = metric(before, "webtransport_bytes_total\\{direction=\"received\"");
        double acceptedBefore = metric(before, "webtransport_sessions_total\\{result=\"accepted\"");
        double dgBefore = metric(before, "webtransport_datagrams_total\\{result=\"received\"");

        WebTransportSession s = await(client().connect(uri("/echo"), new WebTransportSessionHandler() { }));
        WebTransportBidirectionalStream bidi = await(s.openBidirectionalStream());
        CompletableFuture<byte[]> reply = bidi.readAll();
        await(bidi.write(new byte[1000], true));
        await(reply);
        await(s.sendDatagram(new byte[] {1}));
        Thread.sleep(300);

        String health = get(http, "/actuator/health");
        assertThat(health).contains("\"webtransport\"").contains("\"status\":\"UP\"").contains("\"activeSessions\":1");
        String after = get(http, "/actuator/prometheus");
        assertThat(metric(after, "webtransport_bytes_total\\{direction=\"received\"") - bytesBefore).isEqualTo(1000);
        assertThat(metric(after, "webtransport_sessions_total\\{result=\"accepted\"") - acceptedBefore).isEqualTo(1);
        assertThat(metric(after, "webtransport_datagrams_total\\{result=\"received\"") - dgBefore).isEqualTo(1);
        assertThat(metric(after, "webtransport_sessions_active\\{endpoint=\"/echo\"")).isEqualTo(1);
        assertThat(get(http, "/webtransport/info")).contains(certificate.sha256Base64()).contains("\"port\":" + wtPort);
        await(s.close());
        EVENTS.clear();
    }

    private String get(HttpClient http, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " -> " + r.body()).isEqualTo(200);
        return r.body();
    }

    private static double metric(String scrape, String prefix) {
        Matcher m = Pattern.compile("(?m)^" + prefix + "[^}]*} ([0-9.eE+-]+)").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
