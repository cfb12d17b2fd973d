package dev.webtransport.interop.flupke;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.flupke.HttpError;
import tech.kwik.flupke.webtransport.Session;
import tech.kwik.flupke.webtransport.WebTransportStream;

/** Proves the Flupke fixtures against each other: Flupke client to Flupke server on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlupkeFixturesTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path certDir;

    private static FlupkeWebTransportServer server;

    @BeforeAll
    static void startServer() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.generate(certDir);
        server = FlupkeWebTransportServer.start(cert.certPem(), cert.keyPem());
        server.registerProbed("/probe");
        server.respondWith("/forbidden", 403);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void serverSendsChromiumAndDraftSettings() throws Exception {
        try (FlupkeWebTransportClient client = FlupkeWebTransportClient.connect(server.uri("/"), WAIT)) {
            assertThat(client.peerSetting(0x08)).contains(1L);
            assertThat(client.peerSetting(0x14e9cd29L)).hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1L));
            assertThat(client.peerSetting(0x2b603742L)).contains(1L);
            assertThat(client.peerSetting(0xc671706aL)).contains(1L);
            assertThat(client.peerSetting(0x33)).contains(1L);
            assertThat(client.maxConcurrentSessions()).isEqualTo(1);
        }
    }

    @Test
    void localhostUriExtraClientSettingsAndDatagramOption() throws Exception {
        FlupkeWebTransportClient.Options options = FlupkeWebTransportClient.Options.defaults()
                .withExtraSettings(Map.of(0x2b603742L, 1L))
                .withQuicCustomizer(QuicClientConnection.Builder::enableDatagramExtension);
        URI uri = URI.create("https://localhost:" + server.port() + "/");
        try (FlupkeWebTransportClient client = FlupkeWebTransportClient.connect(uri, WAIT, options)) {
            // The server enabled the QUIC datagram extension because it advertises H3_DATAGRAM (0x33=1).
            assertThat(client.quicConnection().isDatagramExtensionEnabled()).isTrue();
            Session session = client.openSession(FlupkeWebTransportServer.ECHO_PATH);
            WebTransportStream stream = session.createBidirectionalStream();
            FlupkeWebTransportClient.writeAndFinish(stream, "via localhost".getBytes(UTF_8));
            assertThat(FlupkeWebTransportClient.readAll(stream.getInputStream(), WAIT)).asString(UTF_8).isEqualTo("via localhost");
            session.close();
        }
    }

    @Test
    void serverWithoutSessionLimitIsRefusedByFlupkeClient() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.generate(java.nio.file.Files.createDirectories(certDir.resolve("limited")));
        try (FlupkeWebTransportServer limited = FlupkeWebTransportServer.start(cert.certPem(), cert.keyPem(),
                Map.of(0x14e9cd29L, 0L));
             FlupkeWebTransportClient client = FlupkeWebTransportClient.connect(limited.uri("/"), WAIT)) {
            assertThat(client.peerSetting(0x2b603742L)).isEmpty();
            assertThat(catchThrowable(() -> client.openSession(FlupkeWebTransportServer.ECHO_PATH)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Maximum number of sessions (0)");
        }
    }

    @Test
    void bidiEcho() throws Exception {
        try (FlupkeWebTransportClient client = FlupkeWebTransportClient.connect(server.uri("/"), WAIT)) {
            Session session = client.openSession(FlupkeWebTransportServer.ECHO_PATH);
            WebTransportStream stream = session.createBidirectionalStream();
            FlupkeWebTransportClient.writeAndFinish(stream, "hello".getBytes(UTF_8));
            assertThat(new String(FlupkeWebTransportClient.readAll(stream.getInputStream(), WAIT), UTF_8)).isEqualTo("hello");
            session.close();
        }
    }

    @Test
    void clientUniAnsweredOnServerUni() throws Exception {
        try (FlupkeWebTransportClient client = FlupkeWebTransportClient.connect(server.uri("/"), WAIT)) {
            Session session = client.openSession(FlupkeWebTransportServer.ECHO_PATH);
            FlupkeWebTransportClient.writeAndFinish(session.createUnidirectionalStream(), "uni ping".getBytes(UTF_8));
            WebTransportStream reply = client.probe(session).nextUnidirectionalStream(WAIT);
            assertThat(reply.getOutputStream()).isNull();
            assertThat(new String(FlupkeWebTransportClient.readAll(reply.getInputStream(), WAIT), UTF_8)).isEqualTo("uni ping");
            session.close();
        }
    }

    @Test
    void fiveConcurrentBidiStreams() throws Exception {
        try (FlupkeWebTransportClient client = FlupkeWebTransportClient.connect(server.uri("/"), WAIT)) {
            Session session = client.openSession(FlupkeWebTransportServer.ECHO_PATH);
            List<CompletableFuture<String>> replies = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String payload = ("stream " + i + " ").repeat(2000); // ~18 KB each, more than one packet
                WebTransportStream stream = session.createBidirectionalStream();
                replies.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        FlupkeWebTransportClient.writeAndFinish(stream, payload.getBytes(UTF_8));
                        return new String(FlupkeWebTransportClient.readAll(stream.getInputStream(), WAIT), UTF_8);
                    }
                    catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (int i = 0; i < 5; i++) {
                assertThat(replies.get(i).get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(("stream " + i + " ").repeat(2000));
            }
            session.close();
        }
    }

    @Test
    void closeCodeAndReasonReachServer() throws Exception {
        server.acceptedSessions().clear();
        try (FlupkeWebTransportClient client = FlupkeWebTransportClient.connect(server.uri("/"), WAIT)) {
            Session session = client.openSession(FlupkeWebTransportServer.ECHO_PATH);
            FlupkeSessionProbe serverSide = server.nextAcceptedSession(WAIT);
            assertThat(serverSide.session().getPath()).isEqualTo(FlupkeWebTransportServer.ECHO_PATH);

            session.close(1234, "client bye");

            assertThat(serverSide.awaitTermination(WAIT)).isEqualTo(new FlupkeSessionProbe.Termination(1234, "client bye"));
            // Flupke reports the local close to the local listener too.
            assertThat(client.probe(session).awaitTermination(WAIT)).isEqualTo(new FlupkeSessionProbe.Termination(1234, "client bye"));
        }
    }

    @Test
    void serverInitiatedStreamsAndServerClose() throws Exception {
        server.acceptedSessions().clear();
        try (FlupkeWebTransportClient client = FlupkeWebTransportClient.connect(server.uri("/"), WAIT)) {
            Session session = client.openSession("/probe?x=1");
            FlupkeSessionProbe serverSide = server.nextAcceptedSession(WAIT);
            assertThat(serverSide.session().getPath()).isEqualTo("/probe?x=1");

            WebTransportStream serverBidi = serverSide.session().createBidirectionalStream();
            FlupkeWebTransportClient.writeAndFinish(serverBidi, "from server".getBytes(UTF_8));
            WebTransportStream clientSide = client.probe(session).nextBidirectionalStream(WAIT);
            assertThat(FlupkeWebTransportClient.readAll(clientSide.getInputStream(), WAIT)).asString(UTF_8).isEqualTo("from server");
            FlupkeWebTransportClient.writeAndFinish(clientSide, "from client".getBytes(UTF_8));
            assertThat(FlupkeWebTransportClient.readAll(serverBidi.getInputStream(), WAIT)).asString(UTF_8).isEqualTo("from client");

            WebTransportStream serverUni = serverSide.session().createUnidirectionalStream();
            FlupkeWebTransportClient.writeAndFinish(serverUni, "uni from server".getBytes(UTF_8));
            WebTransportStream clientUni = client.probe(session).nextUnidirectionalStream(WAIT);
            assertThat(FlupkeWebTransportClient.readAll(clientUni.getInputStream(), WAIT)).asString(UTF_8).isEqualTo("uni from server");

            serverSide.session().close(4321, "server bye");
            assertThat(client.probe(session).awaitTermination(WAIT)).isEqualTo(new FlupkeSessionProbe.Termination(4321, "server bye"));
            assertThat(session.isOpen()).isFalse();
        }
    }

    @Test
    void resetStreamIsSeenByPeer() throws Exception {
        server.acceptedSessions().clear();
        try (FlupkeWebTransportClient client = FlupkeWebTransportClient.connect(server.uri("/"), WAIT)) {
            Session session = client.openSession("/probe");
            FlupkeSessionProbe serverSide = server.nextAcceptedSession(WAIT);
            WebTransportStream stream = session.createBidirectionalStream();
            stream.getOutputStream().write("partial".getBytes(UTF_8));
            stream.getOutputStream().flush();
            WebTransportStream atServer = serverSide.nextBidirectionalStream(WAIT);
            assertThat(FlupkeWebTransportClient.readExactly(atServer.getInputStream(), 7, WAIT)).asString(UTF_8).isEqualTo("partial");
            assertThat(FlupkeWebTransportClient.streamIdOf(stream)).isEqualTo(FlupkeWebTransportClient.streamIdOf(atServer));

            FlupkeWebTransportClient.resetStream(stream, FlupkeWebTransportClient.toHttp3ErrorCode(42));

            Throwable error = catchThrowable(() -> FlupkeWebTransportClient.readAll(atServer.getInputStream(), WAIT));
            assertThat(error).isInstanceOf(java.io.IOException.class).hasMessageContaining("reset");
            assertThat(FlupkeWebTransportClient.toHttp3ErrorCode(42)).isEqualTo(0x52e4a40fa906L);
            session.close();
        }
    }

    @Test
    void unknownPathIs404WithStatusExposed() throws Exception {
        try (FlupkeWebTransportClient client = FlupkeWebTransportClient.connect(server.uri("/"), WAIT)) {
            Throwable error = catchThrowable(() -> client.openSession("/nope"));
            assertThat(error).isInstanceOf(HttpError.class).hasMessageContaining("404");
            assertThat(FlupkeWebTransportClient.statusOf(error)).isEqualTo(404);
            assertThat(FlupkeWebTransportClient.statusOf(new RuntimeException(error))).isEqualTo(404);
            assertThat(FlupkeWebTransportClient.statusOf(new RuntimeException("x"))).isEqualTo(-1);

            // The connection stays usable after a rejected CONNECT.
            Session session = client.openSession(FlupkeWebTransportServer.ECHO_PATH);
            WebTransportStream stream = session.createBidirectionalStream();
            FlupkeWebTransportClient.writeAndFinish(stream, "still here".getBytes(UTF_8));
            assertThat(FlupkeWebTransportClient.readAll(stream.getInputStream(), WAIT)).asString(UTF_8).isEqualTo("still here");
            session.close();
        }
    }

    @Test
    void forcedStatusAndRequestHeadersAreRecorded() throws Exception {
        server.connectRequests().clear();
        try (FlupkeWebTransportClient client = FlupkeWebTransportClient.connect(server.uri("/"), WAIT)) {
            Throwable error = catchThrowable(() -> client.openSession("/forbidden", Map.of("Origin", "https://example.test")));
            assertThat(FlupkeWebTransportClient.statusOf(error)).isEqualTo(403);
            FlupkeWebTransportServer.ConnectRequest request = server.connectRequests().poll(10, TimeUnit.SECONDS);
            assertThat(request).isNotNull();
            assertThat(request.protocol()).isEqualTo("webtransport");
            assertThat(request.pathAndQuery()).isEqualTo("/forbidden");
            assertThat(request.authority()).isEqualTo("127.0.0.1:" + server.port());
            assertThat(request.headers().firstValue("origin")).contains("https://example.test");
        }
    }
}
