package dev.webtransport.reliability;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.protocol.DatagramException;
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
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

import static dev.webtransport.reliability.RawH3Client.bytes;
import static dev.webtransport.reliability.RawH3Client.capsule;
import static dev.webtransport.reliability.RawH3Client.closeValue;
import static dev.webtransport.reliability.RawH3Client.raw;
import static dev.webtransport.reliability.RawH3Client.utf8;
import static dev.webtransport.reliability.RawH3Client.varint;
import static dev.webtransport.reliability.RawH3Client.varint4;
import static dev.webtransport.reliability.RawH3Client.varint8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 7, "Bad input": a raw client ({@link RawH3Client}) puts malformed WebTransport input on the wire against a
 * running {@link WebTransportServer}. Every case checks what the client receives (stream reset code, STOP_SENDING,
 * response status or CONNECTION_CLOSE code), that only the stream / session / connection at fault is closed, that the
 * offence is counted in {@code stats()}, and that the server still serves a fresh session as well as a bystander
 * session on another connection that was opened before the bad input.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class MalformedInputTest {
    private static final long WAIT = RawH3Client.WAIT_SECONDS;
    private static final byte[] BIDI = raw(0x40, 0x41);
    private static final byte[] UNI = raw(0x40, 0x54);
    private static final long H3_MESSAGE_ERROR = ErrorCodes.H3_MESSAGE_ERROR;
    private static final long WT_SESSION_GONE = ErrorCodes.WT_SESSION_GONE;

    /** One session per connection (the default), at most 4 streams buffered for sessions not yet accepted. */
    static WebTransportServer server;
    /** Two sessions per connection: session-scoped errors must not disturb the other session. */
    static WebTransportServer multi;
    static WebTransportClient bystanderClient;
    static WebTransportClient freshClient;
    static WebTransportSession bystander;
    static WebTransportSession multiBystander;
    static final EchoHandler echo = new EchoHandler();
    static int echoCount;

    @BeforeAll
    static void start() throws Exception {
        WebTransportRouter router = new WebTransportRouter().route("/echo", echo);
        server = WebTransportServer.builder().host("127.0.0.1").port(0).certificate(TestCertificates.server())
                .protocolConfig(ProtocolHandlerConfig.defaults().withMaxBufferedStreams(4))
                .acceptor(router).build().start();
        multi = WebTransportServer.builder().host("127.0.0.1").port(0).certificate(TestCertificates.server())
                .protocolConfig(ProtocolHandlerConfig.defaults().withMaxSessionsPerConnection(2))
                .acceptor(router).build().start();
        bystanderClient = client();
        freshClient = client();
        bystander = await(bystanderClient.connect(uri(server, "/echo"), new WebTransportSessionHandler() { }));
        multiBystander = await(bystanderClient.connect(uri(multi, "/echo"), new WebTransportSessionHandler() { }));
    }

    /** A failed earlier test may leave the bystanders idle past the QUIC idle timeout: open new ones then. */
    @BeforeEach
    void bystandersOpen() throws Exception {
        if (!bystander.isOpen()) {
            bystander = await(bystanderClient.connect(uri(server, "/echo"), new WebTransportSessionHandler() { }));
        }
        if (!multiBystander.isOpen()) {
            multiBystander = await(bystanderClient.connect(uri(multi, "/echo"), new WebTransportSessionHandler() { }));
        }
    }

    @AfterAll
    static void stop() {
        if (bystanderClient != null) {
            bystanderClient.close();
        }
        if (freshClient != null) {
            freshClient.close();
        }
        if (server != null) {
            server.close();
        }
        if (multi != null) {
            multi.close();
        }
    }

    // =================================================================== stream preambles

    @Test
    void truncatedPreambleThenFinRejectsOnlyThatStream() throws Exception {
        try (RawH3Client c = RawH3Client.connect(server.port())) {
            long sid = c.session("/echo").streamId();
            RawStream ongoing = c.openBidi(bytes(BIDI, varint(sid), utf8("ongoing ")), false);
            HandlerStats before = server.stats();

            RawStream empty = c.openBidi(new byte[0], true);                        // FIN, nothing else
            RawStream cutSignal = c.openBidi(raw(0x40), true);                    // 0x41 cut after one byte
            RawStream cutSessionId = c.openBidi(raw(0x40, 0x41, 0x80, 0x00), true); // 4-byte varint, 2 bytes sent
            // uni streams can only be refused with STOP_SENDING (code not visible in Netty): counted on the server
            c.openUni(raw(0x40, 0x54), true);                                     // type only
            c.openUni(raw(0x40, 0x54, 0xc0, 0x00, 0x00), true);                   // 8-byte varint, 3 bytes sent

            assertThat(empty.awaitReset()).isEqualTo(ErrorCodes.H3_REQUEST_INCOMPLETE);
            assertThat(cutSignal.awaitReset()).isEqualTo(ErrorCodes.H3_REQUEST_INCOMPLETE);
            assertThat(cutSessionId.awaitReset()).isEqualTo(ErrorCodes.H3_REQUEST_INCOMPLETE);
            awaitIncrease(server, "streamsRejected", HandlerStats::streamsRejected, before, 5);
            awaitIncrease(server, "protocolErrors", HandlerStats::protocolErrors, before, 5);

            await(ongoing.write(utf8("stream"), true));
            assertThat(new String(ongoing.awaitFin())).isEqualTo("ongoing stream");
            assertRawEcho(c, sid, "same session afterwards");
            assertThat(c.isActive()).isTrue();
        }
        assertServerStillServes();
    }

    @Test
    void nonMinimalVarintsAreAccepted() throws Exception {
        try (RawH3Client c = RawH3Client.connect(server.port())) {
            long sid = c.session("/echo").streamId();
            HandlerStats before = server.stats();
            // bidi: signal 0x41 as a 4-byte varint, session id as an 8-byte varint
            RawStream bidi = c.openBidi(bytes(varint4(0x41), varint8(sid), utf8("long varints")), true);
            assertThat(new String(bidi.awaitFin())).isEqualTo("long varints");
            // uni: type 0x54 as a 4-byte varint, session id as an 8-byte varint; the echo comes back on a server uni
            c.openUni(bytes(varint4(0x54), varint8(sid), utf8("uni long")), true);
            RawStream back = c.serverUniStreams().poll(WAIT, TimeUnit.SECONDS);
            assertThat(back).isNotNull();
            assertThat(back.awaitFin()).isEqualTo(bytes(varint(sid), utf8("uni long")));
            // datagram: quarter stream id as an 8-byte varint
            assertThat(datagramEcho(c, bytes(varint8(sid / 4), utf8("dg long")))).isEqualTo(
                    bytes(varint(sid / 4), utf8("dg long")));
            assertThat(server.stats().protocolErrors()).isEqualTo(before.protocolErrors());
            assertThat(server.stats().streamsRejected()).isEqualTo(before.streamsRejected());
        }
        assertServerStillServes();
    }

    @Test
    void sessionIdThatCannotBeAClientBidiStreamClosesTheConnectionWithH3IdError() throws Exception {
        for (long badId : new long[] {2, 5}) {
            for (boolean bidi : new boolean[] {true, false}) {
                HandlerStats before = server.stats();
                try (RawH3Client c = RawH3Client.connect(server.port())) {
                    long sid = c.session("/echo").streamId();
                    assertRawEcho(c, sid, "fine before");
                    if (bidi) {
                        c.openBidi(bytes(BIDI, varint(badId), utf8("x")), true);
                    } else {
                        c.openUni(bytes(UNI, varint(badId), utf8("x")), true);
                    }
                    QuicConnectionCloseEvent close = c.awaitPeerClose();
                    assertThat(close.isApplicationClose()).isTrue();
                    assertThat((long) close.error()).as("session id %d on a %s stream", badId, bidi ? "bidi" : "uni")
                            .isEqualTo(ErrorCodes.H3_ID_ERROR);
                }
                awaitIncrease(server, "protocolErrors", HandlerStats::protocolErrors, before, 1);
            }
        }
        assertServerStillServes();
    }

    @Test
    void streamsForAnUnknownLowerSessionOrAnEndedSessionGetSessionGone() throws Exception {
        try (RawH3Client c = RawH3Client.connectWithFlowControl(multi.port())) {
            RequestStream first = c.session("/echo");
            long firstId = first.streamId();
            RawStream plain = c.openBidi(bytes(BIDI, varint(firstId), utf8("not a session")), true);
            long neverASession = plain.channel.streamId();
            assertThat(new String(plain.awaitFin())).isEqualTo("not a session");
            long secondId = c.session("/echo").streamId();
            assertThat(neverASession).isLessThan(secondId);
            RawStream ongoing = c.openBidi(bytes(BIDI, varint(secondId), utf8("ongoing ")), false);

            HandlerStats before = multi.stats();
            // a session id below the highest seen that never was a session
            RawStream lower = c.openBidi(bytes(BIDI, varint(neverASession), utf8("x")), false);
            assertThat(lower.awaitReset()).isEqualTo(WT_SESSION_GONE);
            // a session that has ended: close it (capsule + FIN), wait for the server's FIN, then name it
            await(first.sendDataAndFin(capsule(0x2843, closeValue(0, new byte[0]))));
            first.awaitFin();
            RawStream ended = c.openBidi(bytes(BIDI, varint(firstId), utf8("x")), false);
            assertThat(ended.awaitReset()).isEqualTo(WT_SESSION_GONE);
            // uni streams can only be refused with STOP_SENDING, whose code Netty does not expose: counted on the server
            c.openUni(bytes(UNI, varint(firstId), utf8("x")), false);
            awaitIncrease(multi, "streamsRejected", HandlerStats::streamsRejected, before, 3);

            await(ongoing.write(utf8("still here"), true));
            assertThat(new String(ongoing.awaitFin())).isEqualTo("ongoing still here");
            assertRawEcho(c, secondId, "other session afterwards");
            assertThat(c.isActive()).isTrue();
        }
        assertServerStillServes();
    }

    @Test
    void earlyStreamsBeyondTheBufferAreRejectedAndTheBufferedOnesAdopted() throws Exception {
        try (RawH3Client c = RawH3Client.connect(server.port())) {
            RequestStream connect = c.openRequest();    // stream id known, CONNECT not sent yet
            long sid = connect.streamId();
            HandlerStats before = server.stats();
            RawStream[] early = new RawStream[4];
            for (int i = 0; i < early.length; i++) {
                early[i] = c.openBidi(bytes(BIDI, varint(sid), utf8("early-" + i)), false);
            }
            RawStream overflow = c.openBidi(bytes(BIDI, varint(sid), utf8("one too many")), false);
            assertThat(overflow.awaitReset()).isEqualTo(ErrorCodes.WT_BUFFERED_STREAM_REJECTED);
            c.openUni(bytes(UNI, varint(sid), utf8("uni too many")), false);   // refused with STOP_SENDING only
            awaitIncrease(server, "streamsRejected", HandlerStats::streamsRejected, before, 2);

            await(connect.sendHeaders(c.connectHeaders("/echo")));
            assertThat(connect.response().status().toString()).isEqualTo("200");
            for (int i = 0; i < early.length; i++) {
                await(early[i].write(utf8(" adopted"), true));
                assertThat(new String(early[i].awaitFin())).isEqualTo("early-" + i + " adopted");
            }
            assertThat(c.isActive()).isTrue();
        }
        assertServerStillServes();
    }

    // =================================================================== capsules on the CONNECT stream

    @Test
    void truncatedCapsuleThenFinIsAMessageErrorOfThatSessionOnly() throws Exception {
        sessionScopedCase("truncated capsule + FIN",
                r -> await(r.sendDataAndFin(raw(0x68, 0x43, 0x0e, 0x00))), H3_MESSAGE_ERROR);
    }

    @Test
    void capsuleLongerThanTheLimitIsAMessageError() throws Exception {
        // declared length maxCapsuleLength + 1 (65537); the value never follows
        sessionScopedCase("capsule of 65537 bytes",
                r -> await(r.sendData(bytes(varint(0x17), varint(65537)))), H3_MESSAGE_ERROR);
    }

    @Test
    void closeCapsuleWithAReasonOver1024BytesIsAMessageError() throws Exception {
        byte[] reason = new byte[1025];
        Arrays.fill(reason, (byte) 'r');
        sessionScopedCase("1025-byte close reason",
                r -> await(r.sendData(capsule(0x2843, closeValue(7, reason)))), H3_MESSAGE_ERROR);
    }

    @Test
    void closeCapsuleWithInvalidUtf8IsAMessageError() throws Exception {
        sessionScopedCase("invalid UTF-8 close reason",
                r -> await(r.sendData(capsule(0x2843, closeValue(7, raw(0x62, 0x79, 0xc3, 0x28))))),
                H3_MESSAGE_ERROR);
    }

    @Test
    void capsuleAfterCloseInTheSameDataFrameIsAMessageError() throws Exception {
        sessionScopedCase("capsule after CLOSE",
                r -> await(r.sendData(bytes(capsule(0x2843, closeValue(0, new byte[0])), capsule(0x17, utf8("late"))))),
                H3_MESSAGE_ERROR);
    }

    @Test
    void dataAfterCloseInALaterDataFrameIsAMessageError() throws Exception {
        try (RawH3Client c = RawH3Client.connectWithFlowControl(multi.port())) {
            RequestStream victim = c.session("/echo");
            long otherId = c.session("/echo").streamId();
            await(victim.sendData(capsule(0x2843, closeValue(0, new byte[0]))));
            victim.awaitFin();                      // the server answered the CLOSE with FIN
            HandlerStats before = multi.stats();
            await(victim.sendData(capsule(0x17, utf8("late"))));
            // the server resets the CONNECT stream (H3_MESSAGE_ERROR) and sends STOP_SENDING, but its FIN was already
            // delivered, so no reset reaches us (and Netty hides STOP_SENDING): only the server's count shows it
            awaitIncrease(multi, "protocolErrors", HandlerStats::protocolErrors, before, 1);
            assertRawEcho(c, otherId, "other session afterwards");
            assertThat(c.isActive()).isTrue();
        }
        assertServerStillServes();
    }

    @Test
    void unknownAndGreaseCapsulesAreIgnored() throws Exception {
        try (RawH3Client c = RawH3Client.connect(server.port())) {
            RequestStream r = c.session("/echo");
            long sid = r.streamId();
            HandlerStats before = server.stats();
            byte[] capsules = bytes(
                    capsule(0x17, utf8("grease 41*0+23")),
                    capsule(0x17 + 41 * 7, new byte[0]),
                    capsule(0x1234, utf8("unknown")),
                    capsule(0x190B4D3DL, varint(1)),                // WT_MAX_DATA: flow control not negotiated
                    capsule(0xff37a2L, varint(0xff7c00L)),          // REGISTER_DATAGRAM_NO_CONTEXT (legacy)
                    bytes(varint8(0x29), varint4(3), utf8("abc"))); // unknown type, non-minimal varints
            await(r.sendData(capsules));
            // a GREASE capsule split across two DATA frames
            byte[] split = capsule(0x17 + 41 * 3, utf8("split across frames"));
            await(r.sendData(Arrays.copyOfRange(split, 0, 5)));
            await(r.sendData(Arrays.copyOfRange(split, 5, split.length)));
            awaitIncrease(server, "capsulesReceived", HandlerStats::capsulesReceived, before, 7);
            assertRawEcho(c, sid, "still working");
            assertThat(datagramEcho(c, bytes(varint(sid / 4), utf8("dg")))).isEqualTo(bytes(varint(sid / 4), utf8("dg")));
            assertThat(r.reset.isDone()).isFalse();
            assertThat(r.fin.isDone()).isFalse();
            assertThat(server.stats().protocolErrors()).isEqualTo(before.protocolErrors());
        }
        assertServerStillServes();
    }

    // =================================================================== CONNECT requests

    @Test
    void malformedConnectRequestsAreRejectedPerStream() throws Exception {
        Map<String, Consumer<Http3Headers>> cases = new LinkedHashMap<>();
        // rejected by Netty's header validation (RFC 9114 §4.1.2 malformed message): RESET_STREAM H3_MESSAGE_ERROR
        cases.put("missing :path", h -> h.remove(":path"));
        cases.put("missing :authority", h -> h.remove(":authority"));
        cases.put("missing :scheme", h -> h.remove(":scheme"));
        cases.put("missing :method", h -> h.remove(":method"));
        cases.put("missing :protocol (scheme and path present)", h -> h.remove(":protocol"));
        cases.put("unknown pseudo-header", h -> h.add(":foo", "bar"));
        cases.put("upper-case field name", h -> h.add("X-Upper", "1"));
        cases.put("connection-specific field", h -> h.add("connection", "close"));
        // passed by Netty, rejected by us with 400
        cases.put("plain CONNECT without :protocol", h -> {
            h.remove(":protocol");
            h.remove(":scheme");
            h.remove(":path");
        });
        cases.put("wrong :scheme", h -> h.scheme("http"));
        cases.put("unknown :protocol", h -> h.protocol("websocket"));
        cases.put("GET with :protocol", h -> h.method("GET"));
        Map<String, String> observed = new LinkedHashMap<>();
        try (RawH3Client c = RawH3Client.connectWithFlowControl(multi.port())) {
            long sid = c.session("/echo").streamId();
            RawStream ongoing = c.openBidi(bytes(BIDI, varint(sid), utf8("ongoing ")), false);
            for (Map.Entry<String, Consumer<Http3Headers>> e : cases.entrySet()) {
                HandlerStats before = multi.stats();
                RequestStream r = c.openRequest();
                Http3Headers h = c.connectHeaders("/echo");
                e.getValue().accept(h);
                await(r.sendHeaders(h));
                CompletableFuture.anyOf(r.response, r.reset).get(WAIT, TimeUnit.SECONDS);
                String outcome = r.reset.isDone() ? "RESET_STREAM " + ErrorCodes.name(r.reset.getNow(-1L))
                        : "status " + r.response.getNow(null).status();
                observed.put(e.getKey(), outcome);
                awaitIncrease(multi, "protocolErrors (" + e.getKey() + ")", HandlerStats::protocolErrors, before, 1);
            }
            await(ongoing.write(utf8("stream"), true));
            assertThat(new String(ongoing.awaitFin())).isEqualTo("ongoing stream");
            assertRawEcho(c, sid, "same connection afterwards");
            assertThat(c.isActive()).isTrue();
        }
        System.out.println("malformed CONNECT outcomes: " + observed);
        assertThat(observed).containsEntry("missing :path", "RESET_STREAM H3_MESSAGE_ERROR")
                .containsEntry("missing :authority", "RESET_STREAM H3_MESSAGE_ERROR")
                .containsEntry("missing :scheme", "RESET_STREAM H3_MESSAGE_ERROR")
                .containsEntry("missing :method", "RESET_STREAM H3_MESSAGE_ERROR")
                .containsEntry("missing :protocol (scheme and path present)", "RESET_STREAM H3_MESSAGE_ERROR")
                .containsEntry("unknown pseudo-header", "RESET_STREAM H3_MESSAGE_ERROR")
                .containsEntry("upper-case field name", "RESET_STREAM H3_MESSAGE_ERROR")
                .containsEntry("connection-specific field", "RESET_STREAM H3_MESSAGE_ERROR")
                .containsEntry("plain CONNECT without :protocol", "status 400")
                .containsEntry("wrong :scheme", "status 400")
                .containsEntry("unknown :protocol", "status 400")
                .containsEntry("GET with :protocol", "status 400");
        assertServerStillServes();
    }

    @Test
    void oversizedHeaderSectionClosesOnlyThatConnection() throws Exception {
        HandlerStats before = server.stats();
        try (RawH3Client c = RawH3Client.connect(server.port())) {
            long sid = c.session("/echo").streamId();
            assertRawEcho(c, sid, "fine before");
            RequestStream r = c.openRequest();
            Http3Headers h = c.connectHeaders("/echo");
            h.add("x-big", "b".repeat(10_000));   // Netty's default max field section size is 8192
            // not awaited: the server closes the connection on seeing the frame header, so this write may never
            // complete before our connection is torn down
            r.sendHeaders(h);
            QuicConnectionCloseEvent close = c.awaitPeerClose();
            assertThat(close.isApplicationClose()).isTrue();
            assertThat((long) close.error()).isEqualTo(ErrorCodes.H3_EXCESSIVE_LOAD);
        }
        awaitIncrease(server, "protocolErrors", HandlerStats::protocolErrors, before, 1);
        assertServerStillServes();
    }

    @Test
    void connectBeforeTheClientSettingsIsHeldUntilTheyArrive() throws Exception {
        try (RawH3Client c = RawH3Client.connect(server.port(), true)) {
            HandlerStats before = server.stats();
            List<RequestStream> held = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                RequestStream r = c.openRequest();
                await(r.sendHeaders(c.connectHeaders("/echo")));
                held.add(r);
            }
            // the hold is bounded: 16 requests wait for our SETTINGS, the 17th is refused
            RequestStream refused = c.openRequest();
            await(refused.sendHeaders(c.connectHeaders("/echo")));
            assertThat(refused.awaitReset()).isEqualTo(ErrorCodes.H3_REQUEST_REJECTED);
            awaitIncrease(server, "sessionsRejected", HandlerStats::sessionsRejected, before, 1);
            Thread.sleep(200);
            assertThat(held).as("answered before our SETTINGS").noneMatch(r -> r.response.isDone());

            c.releaseSettings();
            RequestStream accepted = null;
            int tooMany = 0;
            for (RequestStream r : held) {
                String status = r.response().status().toString();
                if (status.equals("200")) {
                    assertThat(accepted).as("a second session on a one-session connection").isNull();
                    accepted = r;
                } else {
                    assertThat(status).isEqualTo("429");
                    tooMany++;
                }
            }
            assertThat(accepted).isNotNull();
            assertThat(tooMany).isEqualTo(15);
            assertRawEcho(c, accepted.streamId(), "after settings");
            awaitIncrease(server, "sessionsRejected", HandlerStats::sessionsRejected, before, 16);
        }
        assertServerStillServes();
    }

    @Test
    void secondConnectOnAConnectionThatAllowsOneSessionGets429() throws Exception {
        try (RawH3Client c = RawH3Client.connect(server.port())) {
            assertThat(c.serverSettings()).containsEntry(0x14e9cd29L, 1L);
            long sid = c.session("/echo").streamId();
            HandlerStats before = server.stats();
            RequestStream second = c.openRequest();
            await(second.sendHeaders(c.connectHeaders("/echo")));
            assertThat(second.response().status().toString()).isEqualTo("429");
            second.awaitFin();
            awaitIncrease(server, "sessionsRejected", HandlerStats::sessionsRejected, before, 1);
            assertRawEcho(c, sid, "first session unaffected");
        }
        assertServerStillServes();
    }

    // =================================================================== datagrams

    @Test
    void datagramForAnUnknownSessionIsDroppedAndCounted() throws Exception {
        try (RawH3Client c = RawH3Client.connect(server.port())) {
            long sid = c.session("/echo").streamId();
            HandlerStats before = server.stats();
            await(c.sendDatagram(bytes(varint(sid / 4 + 25), utf8("nobody"))));
            await(c.sendDatagram(bytes(varint(sid / 4 + 1), utf8("nobody either"))));
            awaitIncrease(server, "datagramsDropped", HandlerStats::datagramsDropped, before, 2);
            // an empty HTTP datagram payload after the quarter stream id is legal
            assertThat(datagramEcho(c, varint(sid / 4))).isEqualTo(varint(sid / 4));
            assertThat(c.isActive()).isTrue();
            assertThat(server.stats().protocolErrors()).isEqualTo(before.protocolErrors());
        }
        assertServerStillServes();
    }

    @Test
    void datagramTooShortForItsQuarterStreamIdClosesTheConnectionWithH3DatagramError() throws Exception {
        // RFC 9297 §2.1: a DATAGRAM too short to parse the quarter stream id, or one above 2^60-1, is an H3_DATAGRAM_ERROR
        // connection error.
        byte[][] bad = {new byte[0], raw(0x40), raw(0xc0, 0, 0, 0), raw(0xd0, 0, 0, 0, 0, 0, 0, 0)};
        for (byte[] datagram : bad) {
            HandlerStats before = server.stats();
            try (RawH3Client c = RawH3Client.connect(server.port())) {
                long sid = c.session("/echo").streamId();
                assertRawEcho(c, sid, "fine before");
                await(datagram.length == 0 ? c.sendEmptyDatagram() : c.sendDatagram(datagram));
                QuicConnectionCloseEvent close = c.awaitPeerClose();
                assertThat(close.isApplicationClose()).isTrue();
                assertThat((long) close.error()).as("datagram %s", RawH3Client.hex(datagram))
                        .isEqualTo(ErrorCodes.H3_DATAGRAM_ERROR);
            }
            awaitIncrease(server, "protocolErrors", HandlerStats::protocolErrors, before, 1);
        }
        assertServerStillServes();
    }

    @Test
    void datagramLargerThanAllowedCannotBeSent() throws Exception {
        try (RawH3Client c = RawH3Client.connect(server.port())) {
            long sid = c.session("/echo").streamId();
            int max = c.maxDatagramLength();
            assertThat(max).isGreaterThan(1000);
            byte[] tooBig = bytes(varint(sid / 4), new byte[max]);
            assertThatThrownBy(() -> await(c.sendDatagram(tooBig))).isInstanceOf(ExecutionException.class);
            assertThat(datagramEcho(c, bytes(varint(sid / 4), new byte[max - 1]))).hasSize(max);
        }
        WebTransportSession s = await(freshClient.connect(uri(server, "/echo"), new WebTransportSessionHandler() { }));
        assertThatThrownBy(() -> await(s.sendDatagram(new byte[s.maxDatagramSize() + 1])))
                .hasCauseInstanceOf(DatagramException.class)
                .hasMessageContaining("exceeds the maximum");
        await(s.close());
        assertServerStillServes();
    }

    // =================================================================== helpers

    /**
     * Two sessions on one connection (multi server): the bad input goes to the first session's CONNECT stream. It must
     * be reset with {@code expectedCode}, its data stream reset with WT_SESSION_GONE, while the other session, its
     * stream in flight and the connection stay intact.
     */
    private static void sessionScopedCase(String what, Step<RequestStream> badInput, long expectedCode)
            throws Exception {
        try (RawH3Client c = RawH3Client.connectWithFlowControl(multi.port())) {
            RequestStream victim = c.session("/echo");
            long victimId = victim.streamId();
            long otherId = c.session("/echo").streamId();
            RawStream victimStream = c.openBidi(bytes(BIDI, varint(victimId), utf8("victim ")), false);
            RawStream otherStream = c.openBidi(bytes(BIDI, varint(otherId), utf8("other ")), false);
            assertRawEcho(c, victimId, "victim works before");
            HandlerStats before = multi.stats();

            badInput.accept(victim);

            assertThat(victim.awaitReset()).as(what).isEqualTo(expectedCode);
            assertThat(victimStream.awaitReset()).as("data stream of the failed session").isEqualTo(WT_SESSION_GONE);
            awaitIncrease(multi, "protocolErrors", HandlerStats::protocolErrors, before, 1);
            awaitIncrease(multi, "sessionsClosed", HandlerStats::sessionsClosed, before, 1);
            assertThat(c.peerClosedWithin(200)).as("connection closed").isFalse();
            await(otherStream.write(utf8("stream"), true));
            assertThat(new String(otherStream.awaitFin())).isEqualTo("other stream");
            assertRawEcho(c, otherId, "other session afterwards");
            assertThat(datagramEcho(c, bytes(varint(otherId / 4), utf8("dg")))).isEqualTo(
                    bytes(varint(otherId / 4), utf8("dg")));
            assertThat(c.isActive()).isTrue();
        }
        assertServerStillServes();
    }

    /** A WebTransport bidi stream on a raw session: preamble + text + FIN, echoed byte for byte with FIN. */
    private static void assertRawEcho(RawH3Client c, long sessionId, String text) throws Exception {
        RawStream s = c.openBidi(bytes(BIDI, varint(sessionId), utf8(text)), true);
        assertThat(new String(s.awaitFin())).isEqualTo(text);
    }

    /** Sends a datagram (retrying, datagrams may be lost) and returns the first datagram the server sends back. */
    private static byte[] datagramEcho(RawH3Client c, byte[] datagram) throws Exception {
        c.datagrams().clear();
        for (int attempt = 0; attempt < 10; attempt++) {
            await(c.sendDatagram(datagram));
            byte[] back = c.datagrams().poll(500, TimeUnit.MILLISECONDS);
            if (back != null) {
                return back;
            }
        }
        throw new AssertionError("no datagram echoed");
    }

    /** The bystander (another connection, opened before the bad input) and a fresh session both still echo. */
    private static void assertServerStillServes() throws Exception {
        assertEcho(bystander, "bystander " + (++echoCount));
        assertEcho(multiBystander, "multi bystander " + echoCount);
        for (WebTransportServer s : new WebTransportServer[] {server, multi}) {
            WebTransportSession fresh = await(freshClient.connect(uri(s, "/echo"), new WebTransportSessionHandler() { }));
            assertEcho(fresh, "fresh " + echoCount);
            await(fresh.close());
        }
        assertThat(server.isRunning()).isTrue();
        assertThat(multi.isRunning()).isTrue();
    }

    private static void assertEcho(WebTransportSession s, String text) throws Exception {
        assertThat(s.isOpen()).as("session %d open", s.sessionId()).isTrue();
        WebTransportBidirectionalStream st = await(s.openBidirectionalStream());
        CompletableFuture<byte[]> back = st.readAll(Duration.ofSeconds(WAIT), 1 << 16);
        await(st.write(utf8(text), true));
        assertThat(new String(await(back))).isEqualTo(text);
    }

    /** Polls {@code s.stats()} (at most 5 s) until {@code counter} grew by at least {@code by} since {@code before}. */
    private static void awaitIncrease(WebTransportServer s, String counter, ToLongFunction<HandlerStats> f,
                                      HandlerStats before, long by) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long base = f.applyAsLong(before);
        while (true) {
            long grown = f.applyAsLong(s.stats()) - base;
            if (grown >= by) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(counter + " grew by " + grown + ", expected at least " + by);
            }
            Thread.sleep(10);
        }
    }

    /** A step of a test that may throw. */
    @FunctionalInterface
    interface Step<T> {
        void accept(T t) throws Exception;
    }

    static WebTransportClient client() {
        return WebTransportClient.builder().serverCertificateHash(TestCertificates.development().sha256())
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    static URI uri(WebTransportServer s, String path) {
        return URI.create("https://127.0.0.1:" + s.port() + path);
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT, TimeUnit.SECONDS);
    }
}
