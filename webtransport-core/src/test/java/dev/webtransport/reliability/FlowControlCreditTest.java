package dev.webtransport.reliability;

import dev.webtransport.protocol.FlowControlConfig;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.reliability.RawH3Client.RawStream;
import dev.webtransport.reliability.RawH3Client.RequestStream;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.webtransport.reliability.RawH3Client.bytes;
import static dev.webtransport.reliability.RawH3Client.capsule;
import static dev.webtransport.reliability.RawH3Client.raw;
import static dev.webtransport.reliability.RawH3Client.utf8;
import static dev.webtransport.reliability.RawH3Client.varint;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Session credit is never lost: a large grant resumes every waiting byte, and streams the server rejected before the
 * session was accepted still return their stream credit (the peer counted them as opened).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlowControlCreditTest {
    private static final byte[] BIDI = raw(0x40, 0x41);
    /** WT_MAX_STREAMS (bidi) capsule type as a 4-byte varint, as it appears on the wire. */
    private static final String WT_MAX_STREAMS_BIDI_HEX = "990b4d3f";

    @Test
    void aGrantFarLargerThanTheWaitingWritesResumesAllOfThem() throws Exception {
        int size = 4 * 1024 * 1024;
        CompletableFuture<Void> pushed = new CompletableFuture<>();
        WebTransportRouter router = new WebTransportRouter().route("/push", new WebTransportSessionHandler() {
            @Override
            public void onOpen(WebTransportSession session) {
                session.openUnidirectionalStream().thenCompose(out -> out.write(new byte[size], true))
                        .whenComplete((v, e) -> {
                            if (e != null) {
                                pushed.completeExceptionally(e);
                            } else {
                                pushed.complete(null);
                            }
                        });
            }
        });
        WebTransportServer server = WebTransportServer.builder().host("127.0.0.1").port(0)
                .certificate(TestCertificates.server()).acceptor(router).build().start();
        // the peer grants 1 byte in SETTINGS, then 2^40 at once
        try (RawH3Client c = RawH3Client.connect(server.port(), false, Map.of(0x2b61L, 1L, 0x2b64L, 100L, 0x2b65L, 100L))) {
            RequestStream r = c.session("/push");
            RawStream uni = c.serverUniStreams().poll(10, TimeUnit.SECONDS);
            assertThat(uni).isNotNull();
            assertThat(pushed).as("the write waits for credit").isNotDone();
            await(r.sendData(capsule(0x190B4D3DL, varint(1L << 40))));
            uni.fin.get(20, TimeUnit.SECONDS);
            // Netty's HTTP/3 codec consumed the stream type; the session id varint precedes the data
            assertThat(uni.received().length).isEqualTo(varint(r.streamId()).length + size);
            pushed.get(10, TimeUnit.SECONDS);
        } finally {
            server.close();
        }
    }

    @Test
    void creditSentBeforeTheServerAnsweredIsNotLost() throws Exception {
        int size = 64 * 1024;
        WebTransportRouter router = new WebTransportRouter().route("/push", new WebTransportSessionHandler() {
            @Override
            public void onOpen(WebTransportSession session) {
                session.openUnidirectionalStream().thenCompose(out -> out.write(new byte[size], true));
            }
        });
        WebTransportServer server = WebTransportServer.builder().host("127.0.0.1").port(0)
                .certificate(TestCertificates.server())
                .acceptor(request -> {
                    Thread.sleep(300); // the client's capsule arrives while the request is being decided
                    return router.decide(request);
                }).build().start();
        try (RawH3Client c = RawH3Client.connect(server.port(), false, Map.of(0x2b61L, 1L, 0x2b64L, 100L, 0x2b65L, 100L))) {
            RequestStream r = c.openRequest();
            await(r.sendHeaders(c.connectHeaders("/push")));
            await(r.sendData(capsule(0x190B4D3DL, varint(1 << 20)))); // WT_MAX_DATA before any response
            assertThat(r.response().status().toString()).isEqualTo("200");
            RawStream uni = c.serverUniStreams().poll(10, TimeUnit.SECONDS);
            assertThat(uni).isNotNull();
            uni.fin.get(10, TimeUnit.SECONDS);
            assertThat(uni.received().length).isEqualTo(varint(r.streamId()).length + size);
        } finally {
            server.close();
        }
    }

    @Test
    void tooManyCapsuleBytesBeforeTheAnswerRefuseTheRequestInsteadOfCuttingACapsule() throws Exception {
        WebTransportRouter router = new WebTransportRouter().route("/echo", new EchoHandler());
        WebTransportServer server = WebTransportServer.builder().host("127.0.0.1").port(0)
                .certificate(TestCertificates.server())
                .acceptor(request -> {
                    Thread.sleep(500);
                    return router.decide(request);
                }).build().start();
        try (RawH3Client c = RawH3Client.connectWithFlowControl(server.port())) {
            RequestStream r = c.openRequest();
            await(r.sendHeaders(c.connectHeaders("/echo")));
            // two GREASE capsules of 40,000 bytes each: more than the 64 KiB held for a request
            await(r.sendData(capsule(0x17, new byte[40_000])));
            await(r.sendData(capsule(0x17, new byte[40_000])));
            assertThat(r.reset.get(10, TimeUnit.SECONDS)).isEqualTo(0x107L); // H3_EXCESSIVE_LOAD
            RequestStream next = c.session("/echo");
            assertThat(next.reset.isDone()).as("a later request on the connection is fine").isFalse();
        } finally {
            server.close();
        }
    }

    @Test
    void streamsRejectedBeforeTheSessionWasAcceptedReturnTheirStreamCredit() throws Exception {
        WebTransportRouter router = new WebTransportRouter().route("/echo", new EchoHandler());
        WebTransportServer server = WebTransportServer.builder().host("127.0.0.1").port(0)
                .certificate(TestCertificates.server())
                .protocolConfig(ProtocolHandlerConfig.defaults().withMaxBufferedStreams(1)
                        .withFlowControl(FlowControlConfig.limited(1 << 20, 1 << 20, 4, 4)))
                .acceptor(request -> {
                    Thread.sleep(700); // streams arrive while the session is still being decided
                    return router.decide(request);
                }).build().start();
        try (RawH3Client c = RawH3Client.connectWithFlowControl(server.port())) {
            RequestStream r = c.openRequest();
            await(r.sendHeaders(c.connectHeaders("/echo")));
            Thread.sleep(100);
            RawStream[] streams = new RawStream[4];
            for (int i = 0; i < 4; i++) {
                streams[i] = c.openBidi(bytes(BIDI, varint(r.streamId()), utf8("s" + i)), true);
            }
            assertThat(r.response().status().toString()).isEqualTo("200");
            int echoed = 0;
            int rejected = 0;
            for (RawStream s : streams) {
                CompletableFuture.anyOf(s.fin, s.reset).get(10, TimeUnit.SECONDS);
                if (s.reset.isDone()) {
                    rejected++;
                } else {
                    echoed++;
                }
            }
            assertThat(echoed).isEqualTo(1);
            assertThat(rejected).isEqualTo(3);
            // all 4 of the peer's streams are gone: the server must grant more (4 closed + a window of 4)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!HexFormat.of().formatHex(r.data()).contains(WT_MAX_STREAMS_BIDI_HEX) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(HexFormat.of().formatHex(r.data())).as("capsules from the server").contains(WT_MAX_STREAMS_BIDI_HEX);
        } finally {
            server.close();
        }
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }
}
