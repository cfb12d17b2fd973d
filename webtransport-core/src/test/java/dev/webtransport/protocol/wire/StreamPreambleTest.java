package dev.webtransport.protocol.wire;

import static dev.webtransport.protocol.wire.ByteBufs.bytesAndRelease;
import static dev.webtransport.protocol.wire.ByteBufs.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StreamPreambleTest {

    private final TrackingByteBufAllocator alloc = new TrackingByteBufAllocator();

    @AfterEach
    void allBuffersReleased() {
        alloc.assertAllReleased();
    }

    @ParameterizedTest(name = "session {0}")
    @CsvSource({
            "0, 00",
            "4, 04",
            "60, 3c",
            "64, 4040",
            "16380, 7ffc",
            "16384, 80004000",
            "4611686018427387900, fffffffffffffffc",
    })
    void encodesPreamblesByteExactly(long sessionId, String sessionIdHex) {
        assertThat(bytesAndRelease(StreamPreamble.bidi(alloc, sessionId))).isEqualTo(hex("4041" + sessionIdHex));
        assertThat(bytesAndRelease(StreamPreamble.uni(alloc, sessionId))).isEqualTo(hex("4054" + sessionIdHex));
    }

    @Test
    void chromiumsSessionZeroPreambles() {
        assertThat(bytesAndRelease(StreamPreamble.bidi(alloc, 0))).isEqualTo(hex("40 41 00"));
        assertThat(bytesAndRelease(StreamPreamble.uni(alloc, 0))).isEqualTo(hex("40 54 00"));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 4, 8, 1L << 20, VarInt.MAX_VALUE - 3})
    void acceptsClientBidiStreamIds(long sessionId) {
        assertThat(StreamPreamble.isValidSessionId(sessionId)).isTrue();
        assertThat(StreamPreamble.requireValidSessionId(sessionId)).isEqualTo(sessionId);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 5, 6, 7, -4, -1, VarInt.MAX_VALUE, VarInt.MAX_VALUE + 1, Long.MAX_VALUE - 3,
            Long.MIN_VALUE})
    void rejectsIdsThatCannotNameASession(long sessionId) {
        assertThat(StreamPreamble.isValidSessionId(sessionId)).isFalse();
        assertThatThrownBy(() -> StreamPreamble.requireValidSessionId(sessionId))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(ErrorCodes.H3_ID_ERROR));
        assertThatThrownBy(() -> StreamPreamble.bidi(alloc, sessionId)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StreamPreamble.uni(alloc, sessionId)).isInstanceOf(IllegalArgumentException.class);
        assertThat(alloc.allocationCount()).isZero();
    }
}
