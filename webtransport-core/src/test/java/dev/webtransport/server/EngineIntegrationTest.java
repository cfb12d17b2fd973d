package dev.webtransport.server;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.protocol.SessionRejectedException;
import dev.webtransport.protocol.StreamException;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.SessionDecision;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportReceiveStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Our client against our server on loopback: every engine feature end to end. */
class EngineIntegrationTest {
    static WebTransportServer server;
    static WebTransportClient client;
    static final EchoHandler echo = new EchoHandler();
    static final BlockingQueue<WebTransportSession> serverSessions = new LinkedBlockingQueue<>();
    static final BlockingQueue<Object> serverEvents = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() {
        WebTransportRouter router = new WebTransportRouter()
                .route("/echo", echo)
                .route("/rooms/{room}", (req, vars) -> new WebTransportSessionHandler() {
                    @Override
                    public void onOpen(WebTransportSession session) {
                        session.openUnidirectionalStream().thenCompose(s -> s.write(
                                ("room=" + session.pathVariables().get("room")).getBytes(StandardCharsets.UTF_8), true));
                    }
                }, null)
                .route("/probe", new WebTransportSessionHandler() {
                    @Override
                    public void onOpen(WebTransportSession session) {
                        serverSessions.add(session);
                    }

                    @Override
                    public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
                        stream.read().whenComplete((v, e) -> serverEvents.add(e != null ? e : (v == null ? "EOF" : v)));
                    }

                    @Override
                    public void onClose(WebTransportSession session, SessionCloseInfo closeInfo) {
                        serverEvents.add(closeInfo);
                    }
                })
                .originPolicy(OriginPolicy.allow(List.of("https://good.example")))
                .intercept((req, vars) -> "deny".equals(req.header("x-auth"))
                        ? new SessionDecision.Reject(401, "no") : null);
        server = WebTransportServer.builder().host("localhost").port(0).certificate(TestCertificates.server())
                .acceptor(router).build().start();
        client = WebTransportClient.builder()
                .serverCertificateHash(TestCertificates.development().sha256())
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    static URI uri(String path) {
        return URI.create("https://127.0.0.1:" + server.port() + path);
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(15, TimeUnit.SECONDS);
    }

    @Test
    void bidiEchoOfOneMebibyteVerifiedByteForByte() throws Exception {
        WebTransportSession s = await(client.connect(uri("/echo"), new WebTransportSessionHandler() { }));
        byte[] data = new byte[1024 * 1024];
        new Random(7).nextBytes(data);
        WebTransportBidirectionalStream stream = await(s.openBidirectionalStream());
        CompletableFuture<byte[]> back = stream.readAll(Duration.ofSeconds(20), 2 * data.length);
        await(stream.writeChunked(data, 16 * 1024, true));
        assertThat(await(back)).isEqualTo(data);
        assertThat(stream.info().bytesSent()).isEqualTo(data.length);
        assertThat(stream.info().bytesReceived()).isEqualTo(data.length);
        await(s.close());
    }

    @Test
    void manyConcurrentStreamsOnOneSession() throws Exception {
        WebTransportSession s = await(client.connect(uri("/echo"), new WebTransportSessionHandler() { }));
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            byte[] payload = new byte[1000 + i * 37];
            new Random(i).nextBytes(payload);
            results.add(s.openBidirectionalStream().thenCompose(st -> {
                CompletableFuture<byte[]> back = st.readAll(Duration.ofSeconds(20), 1 << 20);
                return st.write(payload, true).thenCompose(v -> back);
            }).thenApply(b -> java.util.Arrays.equals(b, payload)));
        }
        for (CompletableFuture<Boolean> r : results) {
            assertThat(r.get(30, TimeUnit.SECONDS)).isTrue();
        }
        await(s.close());
    }

    @Test
    void clientUniStreamIsAnsweredOnServerUniStream() throws Exception {
        BlockingQueue<WebTransportReceiveStream> incoming = new LinkedBlockingQueue<>();
        WebTransportSession s = await(client.connect(uri("/echo"), new WebTransportSessionHandler() {
            @Override
            public void onUnidirectionalStream(WebTransportSession session, WebTransportReceiveStream stream) {
                incoming.add(stream);
            }
        }));
        await(s.openUnidirectionalStream().thenCompose(u -> u.write("uni hello".getBytes(), true)));
        WebTransportReceiveStream answer = incoming.poll(10, TimeUnit.SECONDS);
        assertThat(answer).isNotNull();
        assertThat(new String(await(answer.readAll()))).isEqualTo("uni hello");
        await(s.close());
    }

    @Test
    void datagramsEchoWithSessionPrefix() throws Exception {
        BlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
        WebTransportSession s = await(client.connect(uri("/echo"), new WebTransportSessionHandler() {
            @Override
            public void onDatagram(WebTransportSession session, byte[] payload) {
                got.add(payload);
            }
        }));
        assertThat(s.maxDatagramSize()).isGreaterThan(1000);
        for (int i = 0; i < 50; i++) {
            await(s.sendDatagram(("dg-" + i).getBytes()));
            Thread.sleep(1); // datagrams are unreliable: pace them so a busy machine's socket buffers do not overflow
        }
        int received = 0;
        while (got.poll(2, TimeUnit.SECONDS) != null) {
            received++;
            if (received == 50) {
                break;
            }
        }
        assertThat(received).isGreaterThanOrEqualTo(40);
        byte[] tooBig = new byte[s.maxDatagramSize() + 1];
        assertThatThrownBy(() -> await(s.sendDatagram(tooBig))).hasMessageContaining("exceeds the maximum");
        await(s.close());
    }

    @Test
    void closeWithCodeAndReasonIsSeenByTheServer() throws Exception {
        WebTransportSession s = await(client.connect(uri("/probe"), new WebTransportSessionHandler() { }));
        assertThat(serverSessions.poll(10, TimeUnit.SECONDS)).isNotNull();
        await(s.close(4242, "client-bye"));
        Object ev = serverEvents.poll(10, TimeUnit.SECONDS);
        assertThat(ev).isInstanceOf(SessionCloseInfo.class);
        SessionCloseInfo info = (SessionCloseInfo) ev;
        assertThat(info.code()).isEqualTo(4242);
        assertThat(info.reason()).isEqualTo("client-bye");
        assertThat(info.byPeer()).isTrue();
        assertThat(await(s.closed()).byPeer()).isFalse();
    }

    @Test
    void serverCloseAndServerOpenedBidiStreamReachTheClient() throws Exception {
        BlockingQueue<WebTransportBidirectionalStream> incoming = new LinkedBlockingQueue<>();
        WebTransportSession s = await(client.connect(uri("/probe"), new WebTransportSessionHandler() {
            @Override
            public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
                incoming.add(stream);
            }
        }));
        WebTransportSession serverSide = serverSessions.poll(10, TimeUnit.SECONDS);
        WebTransportBidirectionalStream out = await(serverSide.openBidirectionalStream());
        await(out.write("from server".getBytes(), true));
        WebTransportBidirectionalStream in = incoming.poll(10, TimeUnit.SECONDS);
        assertThat(new String(await(in.readAll()))).isEqualTo("from server");
        await(in.write("reply".getBytes(), true));
        assertThat(new String(await(out.readAll()))).isEqualTo("reply");
        await(serverSide.close(7, "server-bye"));
        SessionCloseInfo info = s.closed().get(10, TimeUnit.SECONDS);
        assertThat(info.code()).isEqualTo(7);
        assertThat(info.reason()).isEqualTo("server-bye");
        assertThat(info.byPeer()).isTrue();
        serverEvents.poll(5, TimeUnit.SECONDS);
    }

    @Test
    void streamResetCarriesTheApplicationCode() throws Exception {
        WebTransportSession s = await(client.connect(uri("/probe"), new WebTransportSessionHandler() { }));
        serverSessions.poll(10, TimeUnit.SECONDS);
        serverEvents.clear();
        WebTransportBidirectionalStream st = await(s.openBidirectionalStream());
        await(st.reset(42));
        Object ev = serverEvents.poll(10, TimeUnit.SECONDS);
        assertThat(ev).isInstanceOf(StreamException.class);
        assertThat(((StreamException) ev).errorCode()).isEqualTo(42);
        await(s.close());
        serverEvents.poll(5, TimeUnit.SECONDS);
    }

    @Test
    void unknownPathIs404AndNoSessionIsCreated() throws Exception {
        long before = server.stats().sessionsAccepted();
        assertThatThrownBy(() -> await(client.connect(uri("/nope"), new WebTransportSessionHandler() { })))
                .hasCauseInstanceOf(SessionRejectedException.class)
                .cause().satisfies(e -> assertThat(((SessionRejectedException) e).status()).isEqualTo(404));
        assertThat(server.stats().sessionsAccepted()).isEqualTo(before);
    }

    @Test
    void disallowedOriginIs403AndAuthHookRejects() throws Exception {
        assertThatThrownBy(() -> await(client.connect(uri("/echo"), Map.of("origin", "https://evil.example"),
                new WebTransportSessionHandler() { })))
                .cause().satisfies(e -> assertThat(((SessionRejectedException) e).status()).isEqualTo(403));
        assertThatThrownBy(() -> await(client.connect(uri("/echo"), Map.of("x-auth", "deny"),
                new WebTransportSessionHandler() { })))
                .cause().satisfies(e -> assertThat(((SessionRejectedException) e).status()).isEqualTo(401));
        WebTransportSession ok = await(client.connect(uri("/echo"), Map.of("origin", "https://good.example"),
                new WebTransportSessionHandler() { }));
        await(ok.close());
    }

    @Test
    void pathVariablesReachTheHandlerAndIpv6LoopbackWorks() throws Exception {
        BlockingQueue<WebTransportReceiveStream> incoming = new LinkedBlockingQueue<>();
        WebTransportSession s = await(client.connect(URI.create("https://[::1]:" + server.port() + "/rooms/blue"),
                new WebTransportSessionHandler() {
                    @Override
                    public void onUnidirectionalStream(WebTransportSession session, WebTransportReceiveStream stream) {
                        incoming.add(stream);
                    }
                }));
        WebTransportReceiveStream st = incoming.poll(10, TimeUnit.SECONDS);
        assertThat(new String(await(st.readAll()))).isEqualTo("room=blue");
        await(s.close());
    }

    @Test
    void statsAndHealthReportTrueNumbers() throws Exception {
        long bytesBefore = server.stats().bytesReceived();
        WebTransportSession s = await(client.connect(uri("/echo"), new WebTransportSessionHandler() { }));
        WebTransportBidirectionalStream st = await(s.openBidirectionalStream());
        CompletableFuture<byte[]> back = st.readAll();
        await(st.write(new byte[12345], true));
        await(back);
        assertThat(server.stats().bytesReceived() - bytesBefore).isEqualTo(12345);
        assertThat(server.health().status()).isEqualTo(dev.webtransport.protocol.HealthStatus.Status.HEALTHY);
        assertThat(server.health().activeSessions()).isGreaterThanOrEqualTo(1);
        await(s.close());
    }
}
