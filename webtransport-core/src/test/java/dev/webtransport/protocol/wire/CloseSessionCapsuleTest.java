package dev.webtransport.protocol.wire;

import static dev.webtransport.protocol.wire.ByteBufs.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CloseSessionCapsuleTest {

    @Test
    void decodesChromiumsCloseValue() {
        CloseSessionCapsule close = CloseSessionCapsule.decode(hex("00 00 10 92 63 6c 69 65 6e 74 2d 62 79 65"));
        assertThat(close.code()).isEqualTo(4242);
        assertThat(close.reason()).isEqualTo("client-bye");
    }

    @Test
    void decodesFlupkesEmptyClose() {
        assertThat(CloseSessionCapsule.decode(hex("00 00 00 00"))).isEqualTo(new CloseSessionCapsule(0, ""));
    }

    @Test
    void decodesTheLargestCodeAsUnsigned() {
        assertThat(CloseSessionCapsule.decode(hex("ff ff ff ff")).code()).isEqualTo(0xffffffffL);
    }

    @Test
    void encodesCodeAndReason() {
        assertThat(new CloseSessionCapsule(7, "server-bye").encodeValue())
                .isEqualTo(hex("00 00 00 07 73 65 72 76 65 72 2d 62 79 65"));
        assertThat(new CloseSessionCapsule(0xffffffffL, "").encodeValue()).isEqualTo(hex("ff ff ff ff"));
        Capsule capsule = new CloseSessionCapsule(42, "flupke-bye").toCapsule();
        assertThat(capsule.type()).isEqualTo(CapsuleTypes.CLOSE_WEBTRANSPORT_SESSION);
        assertThat(CloseSessionCapsule.fromCapsule(capsule)).isEqualTo(new CloseSessionCapsule(42, "flupke-bye"));
    }

    @Test
    void nullReasonBecomesEmpty() {
        assertThat(new CloseSessionCapsule(1, null).reason()).isEmpty();
        assertThat(CloseSessionCapsule.truncateReason(null)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 0x1_0000_0000L, Long.MIN_VALUE, Long.MAX_VALUE})
    void rejectsCodesOutsideThirtyTwoBits(long code) {
        assertThatThrownBy(() -> new CloseSessionCapsule(code, "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keepsAReasonOfExactlyTheLimit() {
        String reason = "a".repeat(1022) + "é"; // 1022 + 2 bytes
        assertThat(CloseSessionCapsule.truncateReason(reason)).isSameAs(reason);
        assertThat(new CloseSessionCapsule(1, reason).encodeValue()).hasSize(4 + 1024);
    }

    @Test
    void truncatesAsciiToTheLimit() {
        String reason = "x".repeat(2000);
        assertThat(new CloseSessionCapsule(1, reason).reason()).isEqualTo("x".repeat(1024));
    }

    @Test
    void truncatesBeforeATwoByteCharacterThatWouldCrossTheLimit() {
        String reason = "a".repeat(1023) + "é";
        assertThat(CloseSessionCapsule.truncateReason(reason)).isEqualTo("a".repeat(1023));
    }

    @Test
    void truncatesBeforeAThreeByteCharacterThatWouldCrossTheLimit() {
        for (int prefix = 1021; prefix <= 1024; prefix++) {
            String reason = "a".repeat(prefix) + "€" + "tail";
            String truncated = CloseSessionCapsule.truncateReason(reason);
            assertThat(truncated).isEqualTo(prefix <= 1021 ? "a".repeat(prefix) + "€" : "a".repeat(prefix));
            assertThat(truncated.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
        }
    }

    @Test
    void neverSplitsASurrogatePair() {
        String emoji = "\uD83D\uDE00"; // U+1F600, 4 UTF-8 bytes
        for (int prefix = 1018; prefix <= 1024; prefix++) {
            String reason = "a".repeat(prefix) + emoji + emoji;
            String truncated = CloseSessionCapsule.truncateReason(reason);
            int bytes = truncated.getBytes(StandardCharsets.UTF_8).length;
            assertThat(bytes).isLessThanOrEqualTo(1024).isGreaterThan(1024 - 4);
            assertThat(Character.isHighSurrogate(truncated.charAt(truncated.length() - 1))).isFalse();
            assertThat(reason).startsWith(truncated);
        }
    }

    @Test
    void truncatesAStringOfOnlyMultibyteCharacters() {
        String reason = "日本語".repeat(200); // 600 chars, 1800 bytes
        String truncated = new CloseSessionCapsule(3, reason).reason();
        assertThat(truncated).hasSize(341); // 341 * 3 = 1023
        assertThat(CloseSessionCapsule.decode(new CloseSessionCapsule(3, reason).encodeValue()).reason())
                .isEqualTo(truncated);
    }

    @Test
    void replacesUnpairedSurrogates() {
        String reason = "a\uD800b\uDC00";
        CloseSessionCapsule close = new CloseSessionCapsule(1, reason);
        assertThat(close.reason()).isEqualTo("a\uFFFDb\uFFFD");
        assertThat(CloseSessionCapsule.decode(close.encodeValue())).isEqualTo(close);
    }

    @Test
    void rejectsReasonsLongerThanTheLimitOnDecode() {
        byte[] value = new byte[4 + 1025];
        Arrays.fill(value, 4, value.length, (byte) 'a');
        assertMessageError(() -> CloseSessionCapsule.decode(value));
        assertThat(CloseSessionCapsule.decode(Arrays.copyOf(value, 4 + 1024)).reason()).hasSize(1024);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00", "00 00", "00 00 00"})
    void rejectsValuesShorterThanTheCode(String valueHex) {
        assertMessageError(() -> CloseSessionCapsule.decode(hex(valueHex)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "ff",             // invalid start byte
            "c3",             // truncated two-byte sequence
            "e2 82",          // truncated three-byte sequence
            "c0 af",          // overlong '/'
            "ed a0 80",       // UTF-8 encoded surrogate
            "f4 90 80 80",    // above U+10FFFF
            "61 80 62",       // lone continuation byte
    })
    void rejectsInvalidUtf8(String reasonHex) {
        assertMessageError(() -> CloseSessionCapsule.decode(hex("00 00 00 01 " + reasonHex)));
    }

    @Test
    void fromCapsuleRejectsOtherTypes() {
        assertThatThrownBy(() -> CloseSessionCapsule.fromCapsule(new Capsule(0x78ae, new byte[0])))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertMessageError(Runnable decode) {
        assertThatThrownBy(decode::run).isInstanceOfSatisfying(WireFormatException.class,
                e -> assertThat(e.errorCode()).isEqualTo(ErrorCodes.H3_MESSAGE_ERROR));
    }
}
