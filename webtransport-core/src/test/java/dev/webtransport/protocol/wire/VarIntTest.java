package dev.webtransport.protocol.wire;

import static dev.webtransport.protocol.wire.ByteBufs.bytesAndRelease;
import static dev.webtransport.protocol.wire.ByteBufs.hex;
import static dev.webtransport.protocol.wire.ByteBufs.withBuffer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VarIntTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "0, 00",
            "63, 3f",
            "64, 4040",
            "16383, 7fff",
            "16384, 80004000",
            "1073741823, bfffffff",
            "1073741824, c000000040000000",
            "4611686018427387903, ffffffffffffffff",
    })
    void encodesEveryLengthBoundaryMinimally(long value, String expectedHex) {
        byte[] expected = hex(expectedHex);

        assertThat(VarInt.encodedLength(value)).isEqualTo(expected.length);
        assertThat(VarInt.encode(value)).isEqualTo(expected);
        ByteBuf out = Unpooled.buffer();
        VarInt.write(out, value);
        assertThat(bytesAndRelease(out)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{1} -> {0}")
    @CsvSource({
            "0, 00",
            "63, 3f",
            "64, 4040",
            "16383, 7fff",
            "16384, 80004000",
            "1073741823, bfffffff",
            "1073741824, c000000040000000",
            "4611686018427387903, ffffffffffffffff",
            // RFC 9000 Appendix A.1 examples
            "151288809941952652, c2197c5eff14e88c",
            "494878333, 9d7f3e7d",
            "15293, 7bbd",
            "37, 25",
    })
    void readsEveryLengthBoundary(long expected, String encodedHex) {
        byte[] encoded = hex(encodedHex);
        withBuffer(encoded, in -> {
            assertThat(VarInt.lengthOfNext(in)).isEqualTo(encoded.length);
            assertThat(VarInt.peek(in)).isEqualTo(expected);
            assertThat(in.readerIndex()).isZero();
            assertThat(VarInt.read(in)).isEqualTo(expected);
            assertThat(in.isReadable()).isFalse();
        });
        assertThat(VarInt.decode(encoded, 0)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource({
            "37, 4025",               // RFC 9000 A.1: two-byte encoding of 37
            "0, 4000",
            "0, 80000000",
            "0, c000000000000000",
            "63, 8000003f",
            "16383, c000000000003fff",
            "1073741823, c00000003fffffff",
    })
    void acceptsNonMinimalEncodings(long expected, String encodedHex) {
        byte[] encoded = hex(encodedHex);
        withBuffer(encoded, in -> {
            assertThat(VarInt.read(in)).isEqualTo(expected);
            assertThat(in.readerIndex()).isEqualTo(encoded.length);
        });
        assertThat(VarInt.decode(encoded, 0)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"7fff", "80004000", "bfffffff", "c000000040000000", "ffffffffffffffff"})
    void returnsIncompleteOnEveryTruncationWithoutMovingTheReaderIndex(String encodedHex) {
        byte[] encoded = hex(encodedHex);
        for (int available = 0; available < encoded.length; available++) {
            byte[] truncated = Arrays.copyOf(encoded, available);
            int expectedLength = available == 0 ? -1 : encoded.length;
            // Put the truncated integer behind a non-zero reader index to catch absolute-index bugs.
            ByteBuf in = Unpooled.buffer();
            try {
                in.writeByte(0x99).readByte();
                in.writeBytes(truncated);
                assertThat(VarInt.read(in)).as("read of %d bytes", available).isEqualTo(VarInt.INCOMPLETE);
                assertThat(VarInt.peek(in)).isEqualTo(VarInt.INCOMPLETE);
                assertThat(in.readerIndex()).isEqualTo(1);
                assertThat(VarInt.lengthOfNext(in)).isEqualTo(expectedLength);
            } finally {
                in.release();
            }
            assertThatThrownBy(() -> VarInt.decode(truncated, 0))
                    .isInstanceOfSatisfying(WireFormatException.class,
                            e -> assertThat(e.errorCode()).isEqualTo(ErrorCodes.H3_FRAME_ERROR));
        }
    }

    @Test
    void readsConsecutiveIntegersFromTheReaderIndex() {
        withBuffer(hex("25 7bbd 9d7f3e7d c2197c5eff14e88c 3f"), in -> {
            assertThat(VarInt.read(in)).isEqualTo(37);
            assertThat(VarInt.read(in)).isEqualTo(15293);
            assertThat(VarInt.read(in)).isEqualTo(494878333);
            assertThat(VarInt.peek(in)).isEqualTo(151288809941952652L);
            assertThat(VarInt.read(in)).isEqualTo(151288809941952652L);
            assertThat(VarInt.read(in)).isEqualTo(63);
            assertThat(VarInt.read(in)).isEqualTo(VarInt.INCOMPLETE);
        });
    }

    @Test
    void decodesAtAnOffset() {
        byte[] bytes = hex("ff 4025 00");
        assertThat(VarInt.decode(bytes, 1)).isEqualTo(37);
        assertThat(VarInt.decode(bytes, 3)).isZero();
        assertThatThrownBy(() -> VarInt.decode(bytes, 4)).isInstanceOf(WireFormatException.class);
        assertThatThrownBy(() -> VarInt.decode(bytes, 0)).isInstanceOf(WireFormatException.class);
        assertThatThrownBy(() -> VarInt.decode(bytes, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> VarInt.decode(bytes, 5)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, Long.MIN_VALUE, VarInt.MAX_VALUE + 1, Long.MAX_VALUE})
    void rejectsOutOfRangeValuesOnWrite(long value) {
        ByteBuf out = Unpooled.buffer();
        try {
            assertThatThrownBy(() -> VarInt.write(out, value)).isInstanceOf(IllegalArgumentException.class);
            assertThat(out.writerIndex()).isZero();
        } finally {
            out.release();
        }
        assertThatThrownBy(() -> VarInt.encode(value)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VarInt.encodedLength(value)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lengthOfNextOfAnEmptyBufferIsMinusOne() {
        withBuffer(new byte[0], in -> assertThat(VarInt.lengthOfNext(in)).isEqualTo(-1));
    }
}
