package dev.webtransport.protocol;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.protocol.ProtocolTestKit.RawStream;
import dev.webtransport.protocol.ProtocolTestKit.Recorder;
import dev.webtransport.protocol.wire.ErrorCodes;
import dev.webtransport.protocol.wire.StreamPreamble;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.SessionDecision;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.TestCertificates;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.webtransport.protocol.ProtocolTestKit.await;
import static dev.webtransport.protocol.ProtocolTestKit.awaitTrue;
import static dev.webtransport.protocol.ProtocolTestKit.failureOf;
import static dev.webtransport.protocol.ProtocolTestKit.poll;
import static dev.webtransport.protocol.ProtocolTestKit.serverSideOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's early-stream rule: peer streams that arrive before their session is accepted are buffered (at most
 * {@link ProtocolHandlerConfig#maxBufferedStreams()}, each for at most
 * {@link ProtocolHandlerConfig#bufferedStreamTimeout()}) and handed to the session handler, with their data, once
 * the session is accepted; overflow and timeouts are refused with WT_BUFFERED_STREAM_REJECTED, and streams naming a
 * session that ended (or was rejected) with WT_SESSION_GONE. The client side goes under the public API: raw QUIC
 * streams with a hand-written 0x41 preamble, opened while the server's acceptor deliberately takes its time.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WebTransportProtocolEarlyStreamTest {
    static final int MAX_BUFFERED = 2;
    static final Duration BUFFER_TIMEOUT = Duration.ofMillis(2500);
    static final long ACCEPTOR_DELAY_MS = 800;
    static final ProtocolHandlerConfig CONFIG = new ProtocolHandlerConfig(1, MAX_BUFFERED, BUFFER_TIMEOUT,
            1024 * 1024, 8L * 1024 * 1024, 65536, 1024, 1024, Duration.ofSeconds(10), Duration.ofSeconds(5));

    /** Session handler per path; "/slow-*" paths are decided only after {@link #ACCEPTOR_DELAY_MS}. */
    static final Map<String, WebTransportSessionHandler> handlers = new ConcurrentHashMap<>();
    static WebTransportServer server;
    static WebTransportClient client;
    final List<WebTransportProtocolHandler> connections = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        server = WebTransportServer.builder().host("127.0.0.1").port(0).certificate(TestCertificates.server())
                .protocolConfig(CONFIG)
                .acceptor(request -> {
                    if (request.path().startsWith("/slow")) {
                        Thread.sleep(ACCEPTOR_DELAY_MS);
                    }
                    if (request.path().endsWith("reject")) {
                        return SessionDecision.reject(403, "not today");
                    }
                    WebTransportSessionHandler h = handlers.get(request.path());
                    return h == null ? SessionDecision.reject(404, "no route") : SessionDecision.accept(h);
                })
                .build().start();
        client = ProtocolTestKit.newClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @AfterEach
    void closeConnections() {
        for (WebTransportProtocolHandler h : connections) {
            try {
                h.close().get(3, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                ProtocolTestKit.dumpIoThreads("close() of " + h.quicConnection() + " did not complete");
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }

    WebTransportProtocolHandler connect() throws Exception {
        WebTransportProtocolHandler h = await(client.newConnection("127.0.0.1", server.port()));
        connections.add(h);
        awaitTrue("connected", h::isConnected);
        return h;
    }

    static String authority() {
        return "127.0.0.1:" + server.port();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Opens a raw client bidi stream whose WebTransport preamble names {@code sessionId}, then writes the payload. */
    static RawStream openRaw(WebTransportProtocolHandler h, long sessionId, String payload, boolean fin)
            throws Exception {
        RawStream raw = new RawStream();
        QuicStreamChannel ch = h.quicConnection().createStream(QuicStreamType.BIDIRECTIONAL, raw)
                .get(5, TimeUnit.SECONDS);
        raw.channel = ch;
        ByteBuf buf = Unpooled.wrappedBuffer(StreamPreamble.bidi(ch.alloc(), sessionId),
                Unpooled.wrappedBuffer(bytes(payload)));
        ch.writeAndFlush(fin ? new DefaultQuicStreamFrame(buf, true) : buf).get(5, TimeUnit.SECONDS);
        return raw;
    }

    static void writeRaw(RawStream raw, String payload, boolean fin) throws Exception {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes(payload));
        raw.channel.writeAndFlush(fin ? new DefaultQuicStreamFrame(buf, true) : buf).get(5, TimeUnit.SECONDS);
    }

    /** Starts a session on a fresh connection and waits until its CONNECT (stream 0) is on its way. */
    static CompletableFuture<WebTransportSession> startSession(WebTransportProtocolHandler h, String path,
                                                               WebTransportSessionHandler handler)
            throws InterruptedException {
        CompletableFuture<WebTransportSession> f = h.createWebTransportSession(authority(), path, Map.of(), handler);
        awaitTrue("CONNECT sent", () -> !h.getAllSessions().isEmpty());
        assertThat(h.getAllSessions().get(0).sessionId()).as("first client bidi stream").isZero();
        return f;
    }

    @Test
    void earlyStreamsAreDeliveredWithTheirDataOnceAcceptedAndOverflowIsRejected() throws Exception {
        Recorder serverRec = new Recorder();
        handlers.put("/slow-accept", serverRec);
        WebTransportProtocolHandler h = connect();
        WebTransportProtocolHandler s = serverSideOf(server, h);
        CompletableFuture<WebTransportSession> f = startSession(h, "/slow-accept", new Recorder());

        RawStream a = openRaw(h, 0, "early-a", false);
        RawStream b = openRaw(h, 0, "early-b", false);
        Thread.sleep(150); // a and b take the two buffer slots first
        RawStream c = openRaw(h, 0, "early-c", false);

        assertThat(await(c.resetCode)).as("third early stream: over maxBufferedStreams")
                .isEqualTo(ErrorCodes.WT_BUFFERED_STREAM_REJECTED);
        assertThat(f).as("rejected while the session was still pending").isNotDone();
        // more data and the end, while the session is still pending
        writeRaw(a, "-more", true);
        writeRaw(b, "-more", true);
        assertThat(serverRec.bidi).as("nothing delivered before acceptance").isEmpty();
        assertThat(s.stats().streamsRejected()).isEqualTo(1);

        WebTransportSession session = await(f);

        Map<Long, WebTransportBidirectionalStream> delivered = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            WebTransportBidirectionalStream st = poll(serverRec.bidi);
            delivered.put(st.streamId(), st);
        }
        assertThat(delivered.keySet()).containsExactlyInAnyOrder(a.channel.streamId(), b.channel.streamId());
        WebTransportBidirectionalStream atServerA = delivered.get(a.channel.streamId());
        WebTransportBidirectionalStream atServerB = delivered.get(b.channel.streamId());
        assertThat(new String(await(atServerA.readAll()), StandardCharsets.UTF_8)).isEqualTo("early-a-more");
        assertThat(new String(await(atServerB.readAll()), StandardCharsets.UTF_8)).isEqualTo("early-b-more");
        assertThat(atServerA.session().sessionId()).isEqualTo(session.sessionId());
        assertThat(atServerA.info().bytesReceived()).as("preamble not counted").isEqualTo(12);
        WebTransportSessionInfo info = s.getSessionInfo(session.sessionId());
        assertThat(info.peerStreamsBidiOpened()).isEqualTo(2);
        assertThat(info.peerDataSent()).isEqualTo(24);
        assertThat(s.stats().streamsOpened()).isEqualTo(2);
        assertThat(s.stats().streamsRejected()).isEqualTo(1);

        // the delivered streams are ordinary bidi streams: the answer reaches the raw stream
        await(atServerA.write(bytes("ack-a"), true));
        assertThat(new String(await(a.finished), StandardCharsets.UTF_8)).isEqualTo("ack-a");
        assertThat(a.resetCode).isNotDone();
        assertThat(b.resetCode).isNotDone();
        assertThat(serverRec.bidi.poll(200, TimeUnit.MILLISECONDS)).as("the rejected stream never arrives").isNull();
    }

    @Test
    void streamsNamingAnEndedSessionAreRejectedWithSessionGone() throws Exception {
        Recorder serverRec = new Recorder();
        handlers.put("/fast", serverRec);
        WebTransportProtocolHandler h = connect();
        WebTransportProtocolHandler s = serverSideOf(server, h);
        WebTransportSession session = await(h.createWebTransportSession(authority(), "/fast", Map.of(),
                new Recorder()));
        poll(serverRec.opened);
        await(h.closeWebTransportSession(session.sessionId(), 0, ""));
        poll(serverRec.closes);

        RawStream late = openRaw(h, session.sessionId(), "too late", true);

        assertThat(await(late.resetCode)).isEqualTo(ErrorCodes.WT_SESSION_GONE);
        assertThat(s.stats().streamsRejected()).isEqualTo(1);
        assertThat(serverRec.bidi).isEmpty();
    }

    @Test
    void bufferedStreamsOfARejectedSessionAreRejectedWithSessionGone() throws Exception {
        WebTransportProtocolHandler h = connect();
        CompletableFuture<WebTransportSession> f = startSession(h, "/slow-reject", new Recorder());

        RawStream doomed = openRaw(h, 0, "doomed", true);
        Thread.sleep(150);
        assertThat(doomed.resetCode).as("buffered while the request is pending").isNotDone();

        Throwable rejected = failureOf(f);
        assertThat(rejected).isInstanceOf(SessionRejectedException.class);
        assertThat(((SessionRejectedException) rejected).status()).isEqualTo(403);
        assertThat(await(doomed.resetCode)).isEqualTo(ErrorCodes.WT_SESSION_GONE);
    }

    @Test
    void aStreamWaitingLongerThanTheBufferTimeoutIsRejected() throws Exception {
        WebTransportProtocolHandler h = connect();

        long start = System.nanoTime();
        RawStream orphan = openRaw(h, 8, "for a session that never comes", false); // no CONNECT on stream 8

        assertThat(await(orphan.resetCode)).isEqualTo(ErrorCodes.WT_BUFFERED_STREAM_REJECTED);
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(elapsed).as("ms until the buffered stream was given up")
                .isBetween(BUFFER_TIMEOUT.toMillis() - 200, BUFFER_TIMEOUT.toMillis() + 3000);
        assertThat(serverSideOf(server, h).stats().streamsRejected()).isEqualTo(1);
    }
}
