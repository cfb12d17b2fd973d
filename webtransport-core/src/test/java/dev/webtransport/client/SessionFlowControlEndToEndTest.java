package dev.webtransport.client;

import dev.webtransport.protocol.FlowControlConfig;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.protocol.WebTransportProtocolHandler;
import dev.webtransport.protocol.WebTransportSessionInfo;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportReceiveStream;
import dev.webtransport.session.WebTransportSendStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static dev.webtransport.client.TestServers.await;
import static dev.webtransport.client.TestServers.uri;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Session flow control between our client and our server, both with small limits: a fast sender stays within what a
 * slow reader granted (sampled from the receiver's session info while data flows), stream opens wait for stream
 * credit, the server's sending respects the client's limits, and without flow control each draft-13 session gets
 * its own connection.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SessionFlowControlEndToEndTest {
    static final int TRANSFER = 2 * 1024 * 1024;
    static final long SERVER_WINDOW = 64 * 1024;
    static final long CLIENT_WINDOW = 32 * 1024;
    static final Executor SLOWLY = CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS);
    static final BlockingQueue<WebTransportSession> sinkSessions = new LinkedBlockingQueue<>();
    static final byte[] payload = new byte[TRANSFER];
    static WebTransportServer server;

    @BeforeAll
    static void start() {
        new Random(7).nextBytes(payload);
        WebTransportRouter router = new WebTransportRouter()
                .route("/echo", new EchoHandler())
                .route("/slow-sink", new WebTransportSessionHandler() {
                    @Override
                    public void onOpen(WebTransportSession session) {
                        sinkSessions.add(session);
                    }

                    @Override
                    public void onBidirectionalStream(WebTransportSession s, WebTransportBidirectionalStream st) {
                        slowDigest(st).thenCompose(d -> st.write(d, true));
                    }
                })
                .route("/push", new WebTransportSessionHandler() {
                    @Override
                    public void onOpen(WebTransportSession session) {
                        session.openUnidirectionalStream()
                                .thenCompose(out -> out.writeChunked(payload, 64 * 1024, true));
                    }
                });
        server = WebTransportServer.builder().host("127.0.0.1").port(0).certificate(TestCertificates.server())
                .protocolConfig(ProtocolHandlerConfig.defaults().withMaxSessionsPerConnection(4)
                        .withFlowControl(FlowControlConfig.limited(SERVER_WINDOW, 4 * SERVER_WINDOW, 4, 4)))
                .acceptor(router).build().start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static WebTransportClient client(FlowControlConfig fc) {
        return TestServers.client(Duration.ofSeconds(10))
                .protocolConfig(ProtocolHandlerConfig.defaults().withFlowControl(fc)).build();
    }

    /** Reads the stream to its end with a pause before every read, returning the SHA-256 of its bytes. */
    static CompletableFuture<byte[]> slowDigest(WebTransportReceiveStream in) {
        MessageDigest md = sha256();
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        readSlowly(in, md, done);
        return done;
    }

    private static void readSlowly(WebTransportReceiveStream in, MessageDigest md, CompletableFuture<byte[]> done) {
        CompletableFuture.runAsync(() -> { }, SLOWLY).thenCompose(v -> in.read()).whenComplete((chunk, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
            } else if (chunk == null) {
                done.complete(md.digest());
            } else {
                md.update(chunk);
                readSlowly(in, md, done);
            }
        });
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Samples the receiver's session info until stopped: counts moments when it held more than it granted. */
    static final class LimitSampler implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong samples = new AtomicLong();
        final AtomicLong overLimit = new AtomicLong();
        final Thread thread;

        LimitSampler(WebTransportSessionInfo receiver) {
            thread = new Thread(() -> {
                while (running.get()) {
                    long received = receiver.peerDataSent(); // read first: the limit only grows
                    long limit = receiver.localMaxData();
                    samples.incrementAndGet();
                    if (received > limit) {
                        overLimit.incrementAndGet();
                    }
                    LockSupport.parkNanos(50_000);
                }
            }, "limit-sampler");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    @Test
    void aFastSenderStaysWithinTheLimitsOfASlowReader() throws Exception {
        try (WebTransportClient client = client(FlowControlConfig.unlimited())) {
            long serverErrors = server.stats().flowControlErrors();
            long serverPeerBlocked = server.stats().peerDataBlocked();
            WebTransportSession session = await(client.connect(uri(server, "/slow-sink"), new WebTransportSessionHandler() { }));
            WebTransportSession serverSide = sinkSessions.poll(10, TimeUnit.SECONDS);
            assertThat(client.connections()).singleElement()
                    .satisfies(h -> assertThat(h.isFlowControlEnabled()).isTrue());
            assertThat(session.info().peerMaxData()).isEqualTo(SERVER_WINDOW);

            WebTransportBidirectionalStream st = await(session.openBidirectionalStream());
            CompletableFuture<byte[]> digest = st.readAll();
            try (LimitSampler sampler = new LimitSampler(serverSide.info())) {
                st.writeChunked(payload, 64 * 1024, true).get(60, TimeUnit.SECONDS);
                assertThat(digest.get(60, TimeUnit.SECONDS)).isEqualTo(sha256().digest(payload));
                sampler.close();
                assertThat(sampler.overLimit.get()).as("samples with more received than granted, of %d",
                        sampler.samples.get()).isZero();
                assertThat(sampler.samples.get()).isGreaterThan(100);
            }
            WebTransportSessionInfo receiver = serverSide.info();
            assertThat(receiver.peerDataSent()).isEqualTo(TRANSFER);
            assertThat(receiver.localMaxData()).as("credit was returned as the reader consumed")
                    .isGreaterThan(TRANSFER);
            assertThat(session.info().peerMaxData()).isEqualTo(receiver.localMaxData());
            assertThat(client.stats().dataBlocked()).as("the sender waited for credit").isPositive();
            assertThat(server.stats().peerDataBlocked()).as("and said so in WT_DATA_BLOCKED")
                    .isGreaterThan(serverPeerBlocked);
            assertThat(server.stats().flowControlErrors()).isEqualTo(serverErrors);
            assertThat(client.stats().flowControlErrors()).isZero();
            assertThat(session.isOpen()).isTrue();
        }
    }

    @Test
    void streamOpensWaitForStreamCredit() throws Exception {
        try (WebTransportClient client = client(FlowControlConfig.unlimited())) {
            WebTransportSession session = await(client.connect(uri(server, "/echo"), new WebTransportSessionHandler() { }));
            assertThat(session.info().peerMaxStreamsBidi()).isEqualTo(4);
            List<CompletableFuture<byte[]>> echoes = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                byte[] text = ("stream " + i).getBytes();
                echoes.add(session.openBidirectionalStream().thenCompose(st -> {
                    CompletableFuture<byte[]> back = st.readAll();
                    return st.write(text, true).thenCompose(v -> back);
                }));
            }
            for (int i = 0; i < 12; i++) {
                assertThat(new String(echoes.get(i).get(30, TimeUnit.SECONDS))).isEqualTo("stream " + i);
            }
            assertThat(client.stats().streamsBlocked()).as("opens waited for WT_MAX_STREAMS").isPositive();
            assertThat(session.info().peerMaxStreamsBidi()).isGreaterThanOrEqualTo(12);
            assertThat(session.info().localStreamsBidiOpened()).isEqualTo(12);
            assertThat(client.stats().flowControlErrors()).isZero();
        }
    }

    @Test
    void theServerSendsNoMoreThanTheClientGranted() throws Exception {
        FlowControlConfig small = FlowControlConfig.limited(CLIENT_WINDOW, 4 * CLIENT_WINDOW, 8, 8);
        CompletableFuture<byte[]> digest = new CompletableFuture<>();
        CompletableFuture<LimitSampler> sampler = new CompletableFuture<>();
        long serverBlocked = server.stats().dataBlocked();
        try (WebTransportClient client = client(small)) {
            WebTransportSession session = await(client.connect(uri(server, "/push"), new WebTransportSessionHandler() {
                @Override
                public void onUnidirectionalStream(WebTransportSession s, WebTransportReceiveStream in) {
                    sampler.complete(new LimitSampler(s.info()));
                    slowDigest(in).whenComplete((d, e) -> {
                        if (e != null) {
                            digest.completeExceptionally(e);
                        } else {
                            digest.complete(d);
                        }
                    });
                }
            }));
            assertThat(digest.get(60, TimeUnit.SECONDS)).isEqualTo(sha256().digest(payload));
            LimitSampler s = sampler.get(1, TimeUnit.SECONDS);
            s.close();
            assertThat(s.overLimit.get()).as("samples over the client's limit, of %d", s.samples.get()).isZero();
            assertThat(session.info().peerDataSent()).isEqualTo(TRANSFER);
            assertThat(server.stats().dataBlocked()).as("the server waited for the client's credit")
                    .isGreaterThan(serverBlocked);
            assertThat(client.stats().peerDataBlocked()).isPositive();
            assertThat(client.stats().flowControlErrors()).isZero();
        }
    }

    @Test
    void aServerWithoutFlowControlGetsOneSessionPerConnectionFromOurClient() throws Exception {
        WebTransportServer plain = WebTransportServer.builder().host("127.0.0.1").port(0)
                .certificate(TestCertificates.server())
                .protocolConfig(ProtocolHandlerConfig.defaults().withMaxSessionsPerConnection(4)
                        .withFlowControl(FlowControlConfig.disabled()))
                .acceptor(new WebTransportRouter().route("/echo", new EchoHandler())).build().start();
        try (WebTransportClient client = client(FlowControlConfig.unlimited())) {
            for (int i = 0; i < 2; i++) {
                ClientPoolingTest.assertEchoes(await(client.connect(uri(plain, "/echo"), new WebTransportSessionHandler() { })), "plain " + i);
            }
            assertThat(client.connections()).hasSize(2)
                    .allSatisfy(h -> assertThat(h.isFlowControlEnabled()).isFalse());
        } finally {
            plain.close();
        }
    }

    @Test
    void withoutFlowControlEachDraft13SessionGetsItsOwnConnection() throws Exception {
        try (WebTransportClient with = client(FlowControlConfig.unlimited());
             WebTransportClient without = client(FlowControlConfig.disabled())) {
            for (int i = 0; i < 2; i++) {
                ClientPoolingTest.assertEchoes(await(with.connect(uri(server, "/echo"), new WebTransportSessionHandler() { })), "with " + i);
                ClientPoolingTest.assertEchoes(await(without.connect(uri(server, "/echo"), new WebTransportSessionHandler() { })), "without " + i);
            }
            assertThat(with.connections()).hasSize(1);
            assertThat(without.connections()).hasSize(2)
                    .allSatisfy(h -> assertThat(h.isFlowControlEnabled()).isFalse())
                    .allSatisfy(h -> assertThat(h.sessionLimit()).isEqualTo(1));
        }
    }
}
