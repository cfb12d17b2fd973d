package dev.webtransport.protocol.wire;

import static dev.webtransport.protocol.wire.ByteBufs.bytes;
import static dev.webtransport.protocol.wire.ByteBufs.bytesAndRelease;
import static dev.webtransport.protocol.wire.ByteBufs.hex;
import static dev.webtransport.protocol.wire.ByteBufs.withBuffer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpDatagramTest {

    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

    private final TrackingByteBufAllocator alloc = new TrackingByteBufAllocator();

    @AfterEach
    void allBuffersReleased() {
        alloc.assertAllReleased();
    }

    @Test
    void encodesChromiumsPingDatagram() {
        assertThat(bytesAndRelease(HttpDatagram.encode(alloc, 0, PING))).isEqualTo(hex("00 70 69 6e 67"));
    }

    @ParameterizedTest(name = "session {0}")
    @CsvSource({
            "0, 00, 1",
            "4, 01, 1",
            "252, 3f, 1",
            "256, 4040, 2",
            "65532, 7fff, 2",
            "65536, 80004000, 4",
            "4294967292, bfffffff, 4",
            "4294967296, c000000040000000, 8",
            "4611686018427387900, cfffffffffffffff, 8",
    })
    void prefixesTheQuarterStreamId(long sessionId, String prefixHex, int prefixLength) {
        assertThat(HttpDatagram.prefixLength(sessionId)).isEqualTo(prefixLength);
        ByteBuf payload = Unpooled.copiedBuffer(PING);
        try {
            payload.readerIndex(1); // only "ing" is readable
            byte[] datagram = bytesAndRelease(HttpDatagram.encode(alloc, sessionId, payload));
            assertThat(datagram).isEqualTo(hex(prefixHex + "696e67"));
            assertThat(payload.readerIndex()).isEqualTo(1);
            assertThat(payload.refCnt()).isEqualTo(1);

            withBuffer(datagram, in -> {
                assertThat(HttpDatagram.readSessionId(in)).isEqualTo(sessionId);
                assertThat(bytes(in)).isEqualTo(hex("696e67"));
            });
        } finally {
            payload.release();
        }
    }

    @Test
    void readsTheSessionIdAndLeavesThePayload() {
        withBuffer(hex("00 70 69 6e 67"), in -> {
            assertThat(HttpDatagram.readSessionId(in)).isZero();
            assertThat(in.toString(StandardCharsets.US_ASCII)).isEqualTo("ping");
        });
        withBuffer(hex("40 01"), in -> {
            assertThat(HttpDatagram.readSessionId(in)).isEqualTo(4); // non-minimal prefix
            assertThat(in.isReadable()).isFalse();
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "40", "80 00 00", "c0 00 00 00 00 00 00"})
    void rejectsEmptyOrTruncatedDatagrams(String datagramHex) {
        withBuffer(hex(datagramHex), in -> {
            assertDatagramError(in);
            assertThat(in.readerIndex()).isZero();
        });
    }

    @Test
    void rejectsQuarterStreamIdsBeyondTheStreamIdRange() {
        withBuffer(hex("c0 00 00 00 00 00 00 00"), in -> assertThat(HttpDatagram.readSessionId(in)).isZero());
        // 2^60 - 1 is the largest quarter id whose stream id fits 62 bits.
        withBuffer(hex("cf ff ff ff ff ff ff ff"), in ->
                assertThat(HttpDatagram.readSessionId(in)).isEqualTo(VarInt.MAX_VALUE - 3));
        withBuffer(hex("d0 00 00 00 00 00 00 00 aa"), in -> {
            assertDatagramError(in);
            assertThat(in.readerIndex()).isZero();
        });
        withBuffer(hex("ff ff ff ff ff ff ff ff"), HttpDatagramTest::assertDatagramError);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, -4, VarInt.MAX_VALUE, Long.MAX_VALUE})
    void rejectsInvalidSessionIdsWhenEncoding(long sessionId) {
        assertThatThrownBy(() -> HttpDatagram.prefixLength(sessionId)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpDatagram.encode(alloc, sessionId, PING))
                .isInstanceOf(IllegalArgumentException.class);
        withBuffer(PING, payload -> assertThatThrownBy(() -> HttpDatagram.encode(alloc, sessionId, payload))
                .isInstanceOf(IllegalArgumentException.class));
        assertThat(alloc.allocationCount()).isZero();
    }

    private static void assertDatagramError(ByteBuf datagram) {
        assertThatThrownBy(() -> HttpDatagram.readSessionId(datagram))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(ErrorCodes.H3_DATAGRAM_ERROR));
    }
}
