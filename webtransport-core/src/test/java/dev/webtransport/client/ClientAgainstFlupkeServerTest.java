package dev.webtransport.client;

import dev.webtransport.interop.flupke.FlupkeSessionProbe;
import dev.webtransport.interop.flupke.FlupkeWebTransportServer;
import dev.webtransport.interop.flupke.SelfSignedCertificate;
import dev.webtransport.protocol.SessionRejectedException;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportReceiveStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.webtransport.client.TestServers.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Our client against an independent server: Flupke 0.9.4's own WebTransport server (with Chromium-style SETTINGS
 * added), trusted by the SHA-256 of its 10-day ECDSA certificate. Flupke has no datagrams.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientAgainstFlupkeServerTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path certDir;
    static FlupkeWebTransportServer server;
    static WebTransportClient client;
    static byte[] certificateHash;

    @BeforeAll
    static void start() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.generate(certDir);
        server = FlupkeWebTransportServer.start(cert.certPem(), cert.keyPem());
        server.registerProbed("/probe");
        certificateHash = cert.sha256();
        client = WebTransportClient.builder().serverCertificateHash(certificateHash)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void clear() {
        server.acceptedSessions().clear();
    }

    @Test
    void sessionAndConcurrentBidiEchoes() throws Exception {
        WebTransportSession s = await(client.connect(server.uri(FlupkeWebTransportServer.ECHO_PATH),
                new WebTransportSessionHandler() { }));
        assertThat(s.isOpen()).isTrue();
        FlupkeSessionProbe serverSide = server.nextAcceptedSession(WAIT);
        assertThat(serverSide.session().getPath()).isEqualTo(FlupkeWebTransportServer.ECHO_PATH);
        assertThat(server.connectRequests().poll(5, TimeUnit.SECONDS).protocol()).isEqualTo("webtransport");

        List<byte[]> payloads = new ArrayList<>();
        List<CompletableFuture<byte[]>> echoes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            byte[] payload = new byte[20_000 + i * 50_000];
            new Random(i).nextBytes(payload);
            payloads.add(payload);
            echoes.add(s.openBidirectionalStream().thenCompose(st -> {
                CompletableFuture<byte[]> back = st.readAll(WAIT, 1 << 20);
                return st.writeChunked(payload, 16 * 1024, true).thenCompose(n -> back);
            }));
        }
        for (int i = 0; i < 5; i++) {
            assertThat(echoes.get(i).get(15, TimeUnit.SECONDS)).as("stream %d", i).isEqualTo(payloads.get(i));
        }
        await(s.close());
    }

    @Test
    void uniStreamIsAnsweredOnAServerUniStream() throws Exception {
        BlockingQueue<WebTransportReceiveStream> incoming = new LinkedBlockingQueue<>();
        WebTransportSession s = await(client.connect(server.uri(FlupkeWebTransportServer.ECHO_PATH),
                new WebTransportSessionHandler() {
                    @Override
                    public void onUnidirectionalStream(WebTransportSession session, WebTransportReceiveStream stream) {
                        incoming.add(stream);
                    }
                }));
        await(s.openUnidirectionalStream().thenCompose(u -> u.write("uni ping".getBytes(StandardCharsets.UTF_8), true)));
        WebTransportReceiveStream reply = incoming.poll(10, TimeUnit.SECONDS);
        assertThat(reply).isNotNull();
        assertThat(new String(await(reply.readAll()), StandardCharsets.UTF_8)).isEqualTo("uni ping");
        await(s.close());
    }

    @Test
    void ourCloseCodeAndReasonReachFlupke() throws Exception {
        WebTransportSession s = await(client.connect(server.uri(FlupkeWebTransportServer.ECHO_PATH),
                new WebTransportSessionHandler() { }));
        FlupkeSessionProbe serverSide = server.nextAcceptedSession(WAIT);
        await(s.close(1234, "bye"));
        assertThat(serverSide.awaitTermination(WAIT)).isEqualTo(new FlupkeSessionProbe.Termination(1234, "bye"));
        SessionCloseInfo local = await(s.closed());
        assertThat(local.code()).isEqualTo(1234);
        assertThat(local.byPeer()).isFalse();
    }

    @Test
    void flupkeServerStreamsAndServerCloseReachOurClient() throws Exception {
        BlockingQueue<WebTransportBidirectionalStream> incoming = new LinkedBlockingQueue<>();
        WebTransportSession s = await(client.connect(server.uri("/probe"), new WebTransportSessionHandler() {
            @Override
            public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
                incoming.add(stream);
            }
        }));
        FlupkeSessionProbe serverSide = server.nextAcceptedSession(WAIT);

        tech.kwik.flupke.webtransport.WebTransportStream serverBidi = serverSide.session().createBidirectionalStream();
        serverBidi.getOutputStream().write("from flupke".getBytes(StandardCharsets.UTF_8));
        serverBidi.getOutputStream().close();
        WebTransportBidirectionalStream in = incoming.poll(10, TimeUnit.SECONDS);
        assertThat(in).isNotNull();
        assertThat(new String(await(in.readAll()), StandardCharsets.UTF_8)).isEqualTo("from flupke");
        await(in.write("from us".getBytes(StandardCharsets.UTF_8), true));
        assertThat(new String(serverBidi.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("from us");

        serverSide.session().close(4321, "server bye");
        SessionCloseInfo info = s.closed().get(10, TimeUnit.SECONDS);
        assertThat(info.code()).isEqualTo(4321);
        assertThat(info.reason()).isEqualTo("server bye");
        assertThat(info.byPeer()).isTrue();
        assertThat(s.isOpen()).isFalse();
    }

    @Test
    void unknownPathIsRejectedWith404() {
        assertThatThrownBy(() -> await(client.connect(server.uri("/nope"), new WebTransportSessionHandler() { })))
                .hasCauseInstanceOf(SessionRejectedException.class)
                .cause().satisfies(e -> assertThat(((SessionRejectedException) e).status()).isEqualTo(404));
    }

    @Test
    void flupkeAdvertisesOneSessionPerConnectionSoEachSessionGetsItsOwn() throws Exception {
        try (WebTransportClient own = WebTransportClient.builder()
                .serverCertificateHash(certificateHash)
                .connectTimeout(Duration.ofSeconds(10)).build()) {
            WebTransportSession a = await(own.connect(server.uri(FlupkeWebTransportServer.ECHO_PATH),
                    new WebTransportSessionHandler() { }));
            WebTransportSession b = await(own.connect(server.uri(FlupkeWebTransportServer.ECHO_PATH),
                    new WebTransportSessionHandler() { }));
            assertThat(own.connections()).hasSize(2);
            assertThat(Arrays.asList(a.isOpen(), b.isOpen())).containsOnly(true);
            await(a.close());
            await(b.close());
        }
    }
}
