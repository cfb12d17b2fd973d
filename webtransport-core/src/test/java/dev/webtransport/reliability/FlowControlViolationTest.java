package dev.webtransport.reliability;

import dev.webtransport.protocol.FlowControlConfig;
import dev.webtransport.protocol.HandlerStats;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.protocol.wire.ErrorCodes;
import dev.webtransport.reliability.RawH3Client.RawStream;
import dev.webtransport.reliability.RawH3Client.RequestStream;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.webtransport.reliability.RawH3Client.bytes;
import static dev.webtransport.reliability.RawH3Client.capsule;
import static dev.webtransport.reliability.RawH3Client.raw;
import static dev.webtransport.reliability.RawH3Client.utf8;
import static dev.webtransport.reliability.RawH3Client.varint;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A peer that ignores session flow control, driven byte by byte with a raw HTTP/3 client: exceeding the data or
 * stream limit, or lowering a limit, ends that session with WT_FLOW_CONTROL_ERROR on its CONNECT stream and nothing
 * else; a peer that does not declare flow control gets one session per connection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlowControlViolationTest {
    private static final byte[] BIDI = raw(0x40, 0x41);
    private static final long LIMIT = 4096;
    static WebTransportServer server;

    @BeforeAll
    static void start() {
        // "/hold" never reads, so no credit is returned and the limits stay where they started
        WebTransportRouter router = new WebTransportRouter().route("/echo", new EchoHandler())
                .route("/hold", new WebTransportSessionHandler() {
                    @Override
                    public void onBidirectionalStream(WebTransportSession s, WebTransportBidirectionalStream st) {
                        // keep the stream, read nothing
                    }
                });
        server = WebTransportServer.builder().host("127.0.0.1").port(0).certificate(TestCertificates.server())
                .protocolConfig(ProtocolHandlerConfig.defaults().withMaxSessionsPerConnection(2)
                        .withFlowControl(FlowControlConfig.limited(LIMIT, LIMIT, 2, 2)))
                .acceptor(router).build().start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void sendingPastTheSessionDataLimitEndsOnlyThatSession() throws Exception {
        try (RawH3Client c = RawH3Client.connectWithFlowControl(server.port())) {
            RequestStream victim = c.session("/hold");
            RequestStream other = c.session("/echo");
            HandlerStats before = server.stats();
            c.openBidi(bytes(BIDI, varint(victim.streamId()), new byte[(int) LIMIT + 1000]), false);
            assertThat(victim.reset.get(10, TimeUnit.SECONDS)).isEqualTo(ErrorCodes.WT_FLOW_CONTROL_ERROR);
            assertThat(server.stats().flowControlErrors() - before.flowControlErrors()).isEqualTo(1);
            assertRawEcho(c, other.streamId(), "the other session on the connection still echoes");
            assertThat(c.isActive()).isTrue();
        }
    }

    @Test
    void exactlyTheLimitIsFine() throws Exception {
        try (RawH3Client c = RawH3Client.connectWithFlowControl(server.port())) {
            RequestStream r = c.session("/hold");
            long errors = server.stats().flowControlErrors();
            c.openBidi(bytes(BIDI, varint(r.streamId()), new byte[(int) LIMIT]), false);
            Thread.sleep(300);
            assertThat(r.reset.isDone()).isFalse();
            assertThat(server.stats().flowControlErrors()).isEqualTo(errors);
        }
    }

    @Test
    void openingPastTheSessionStreamLimitEndsTheSession() throws Exception {
        try (RawH3Client c = RawH3Client.connectWithFlowControl(server.port())) {
            RequestStream r = c.session("/hold");
            HandlerStats before = server.stats();
            for (int i = 0; i < 3; i++) {
                c.openBidi(bytes(BIDI, varint(r.streamId()), utf8("s" + i)), false);
            }
            assertThat(r.reset.get(10, TimeUnit.SECONDS)).isEqualTo(ErrorCodes.WT_FLOW_CONTROL_ERROR);
            assertThat(server.stats().flowControlErrors() - before.flowControlErrors()).isEqualTo(1);
        }
    }

    @Test
    void loweringALimitIsAFlowControlError() throws Exception {
        try (RawH3Client c = RawH3Client.connectWithFlowControl(server.port())) {
            RequestStream r = c.session("/echo");
            // our SETTINGS granted 2^62-1 bytes; 5 is lower
            await(r.sendData(capsule(0x190B4D3DL, varint(5))));
            assertThat(r.reset.get(10, TimeUnit.SECONDS)).isEqualTo(ErrorCodes.WT_FLOW_CONTROL_ERROR);
        }
        try (RawH3Client c = RawH3Client.connectWithFlowControl(server.port())) {
            RequestStream r = c.session("/echo");
            await(r.sendData(capsule(0x190B4D3FL, varint((1L << 60) + 1)))); // WT_MAX_STREAMS bidi above 2^60
            assertThat(r.reset.get(10, TimeUnit.SECONDS)).isEqualTo(ErrorCodes.WT_FLOW_CONTROL_ERROR);
        }
    }

    @Test
    void flowControlCapsulesFromAPeerThatDidNotDeclareAreIgnored() throws Exception {
        try (RawH3Client c = RawH3Client.connect(server.port())) {
            RequestStream r = c.session("/echo");
            await(r.sendData(capsule(0x190B4D3DL, varint(0))));
            assertRawEcho(c, r.streamId(), "still fine");
            assertThat(r.reset.isDone()).isFalse();
        }
    }

    @Test
    void aPeerWithoutFlowControlGetsOneSessionPerConnection() throws Exception {
        try (RawH3Client c = RawH3Client.connect(server.port())) {
            RequestStream first = c.session("/echo");
            RequestStream second = c.openRequest();
            await(second.sendHeaders(c.connectHeaders("/echo")));
            assertThat(second.reset.get(10, TimeUnit.SECONDS)).isEqualTo(ErrorCodes.H3_REQUEST_REJECTED);
            assertRawEcho(c, first.streamId(), "the first session is untouched");
        }
    }

    private static void assertRawEcho(RawH3Client c, long sessionId, String text) throws Exception {
        RawStream s = c.openBidi(bytes(BIDI, varint(sessionId), utf8(text)), true);
        assertThat(new String(s.awaitFin())).isEqualTo(text);
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }
}
