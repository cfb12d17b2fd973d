package dev.webtransport.protocol.wire;

import static dev.webtransport.protocol.wire.ErrorCodes.APPLICATION_ERROR_FIRST;
import static dev.webtransport.protocol.wire.ErrorCodes.APPLICATION_ERROR_LAST;
import static dev.webtransport.protocol.wire.ErrorCodes.MAX_APPLICATION_CODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ErrorCodesTest {

    private static final int ROUND_TRIP_COUNT = 100_000;
    private static final int WINDOW = 5_000;

    @Test
    void http3CodesHaveTheirRfc9114Values() {
        assertThat(new long[] {
                ErrorCodes.H3_NO_ERROR, ErrorCodes.H3_GENERAL_PROTOCOL_ERROR, ErrorCodes.H3_INTERNAL_ERROR,
                ErrorCodes.H3_STREAM_CREATION_ERROR, ErrorCodes.H3_CLOSED_CRITICAL_STREAM,
                ErrorCodes.H3_FRAME_UNEXPECTED, ErrorCodes.H3_FRAME_ERROR, ErrorCodes.H3_EXCESSIVE_LOAD,
                ErrorCodes.H3_ID_ERROR, ErrorCodes.H3_SETTINGS_ERROR, ErrorCodes.H3_MISSING_SETTINGS,
                ErrorCodes.H3_REQUEST_REJECTED, ErrorCodes.H3_REQUEST_CANCELLED, ErrorCodes.H3_REQUEST_INCOMPLETE,
                ErrorCodes.H3_MESSAGE_ERROR, ErrorCodes.H3_CONNECT_ERROR, ErrorCodes.H3_VERSION_FALLBACK})
                .containsExactly(0x100, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x107, 0x108, 0x109, 0x10a,
                        0x10b, 0x10c, 0x10d, 0x10e, 0x10f, 0x110);
        assertThat(ErrorCodes.H3_DATAGRAM_ERROR).isEqualTo(0x33);
        assertThat(ErrorCodes.WT_BUFFERED_STREAM_REJECTED).isEqualTo(0x3994bd84L);
        assertThat(ErrorCodes.WT_SESSION_GONE).isEqualTo(0x170d7b68L);
        assertThat(ErrorCodes.WT_FLOW_CONTROL_ERROR).isEqualTo(0x045d4487L);
        assertThat(ErrorCodes.WT_ALPN_ERROR).isEqualTo(0x0817b3ddL);
        assertThat(ErrorCodes.WT_REQUIREMENTS_NOT_MET).isEqualTo(0x212c0d48L);
    }

    @ParameterizedTest(name = "{0} <-> {1}")
    @CsvSource({
            "0, 0x52e4a40fa8db",
            "29, 0x52e4a40fa8f8",
            "30, 0x52e4a40fa8fa",
            "4242, 0x52e4a40fb9fa",
            "4294967295, 0x52e5ac983162",
    })
    void mapsTheDocumentedExamplesBothWays(long applicationCode, String http3Hex) {
        long http3Code = Long.decode(http3Hex);
        assertThat(ErrorCodes.webTransportToHttp3(applicationCode)).isEqualTo(http3Code);
        assertThat(ErrorCodes.http3ToWebTransport(http3Code)).hasValue(applicationCode);
    }

    @Test
    void theGapBetween29And30IsReserved() {
        assertThat(ErrorCodes.isReservedHttp3Code(0x52e4a40fa8f9L)).isTrue();
        assertThat(ErrorCodes.http3ToWebTransport(0x52e4a40fa8f9L)).isEmpty();
    }

    @Test
    void rangeBoundsMatchTheMapping() {
        assertThat(ErrorCodes.webTransportToHttp3(0)).isEqualTo(APPLICATION_ERROR_FIRST);
        assertThat(ErrorCodes.webTransportToHttp3(MAX_APPLICATION_CODE)).isEqualTo(APPLICATION_ERROR_LAST);
        // The range holds exactly 2^32 non-reserved codepoints.
        long reservedInRange = reservedAtOrBelow(APPLICATION_ERROR_LAST) - reservedAtOrBelow(APPLICATION_ERROR_FIRST - 1);
        assertThat(APPLICATION_ERROR_LAST - APPLICATION_ERROR_FIRST + 1 - reservedInRange).isEqualTo(1L << 32);
    }

    @Test
    void roundTripsTheFirstHundredThousandCodes() {
        for (long n = 0; n < ROUND_TRIP_COUNT; n++) {
            assertRoundTrip(n);
        }
    }

    @Test
    void roundTripsTheLastHundredThousandCodes() {
        for (long n = MAX_APPLICATION_CODE; n > MAX_APPLICATION_CODE - ROUND_TRIP_COUNT; n--) {
            assertRoundTrip(n);
        }
    }

    @Test
    void skipsEveryReservedPointAtTheStartOfTheRange() {
        assertWindowSkipsReservedPoints(APPLICATION_ERROR_FIRST - 100, APPLICATION_ERROR_FIRST + WINDOW);
    }

    @Test
    void skipsEveryReservedPointAtTheEndOfTheRange() {
        assertWindowSkipsReservedPoints(APPLICATION_ERROR_LAST - WINDOW, APPLICATION_ERROR_LAST + 100);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 0x100, 0x10f, ErrorCodes.WT_SESSION_GONE, APPLICATION_ERROR_FIRST - 1,
            APPLICATION_ERROR_LAST + 1, VarInt.MAX_VALUE, -1, Long.MIN_VALUE, Long.MAX_VALUE})
    void codesOutsideTheRangeCarryNoApplicationCode(long http3Code) {
        assertThat(ErrorCodes.http3ToWebTransport(http3Code)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, MAX_APPLICATION_CODE + 1, Long.MIN_VALUE, Long.MAX_VALUE})
    void rejectsApplicationCodesOutsideThirtyTwoBits(long applicationCode) {
        assertThatThrownBy(() -> ErrorCodes.webTransportToHttp3(applicationCode))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recognisesReservedCodes() {
        assertThat(ErrorCodes.isReservedHttp3Code(0x21)).isTrue();
        assertThat(ErrorCodes.isReservedHttp3Code(0x21 + 0x1f)).isTrue();
        assertThat(ErrorCodes.isReservedHttp3Code(0x20)).isFalse();
        assertThat(ErrorCodes.isReservedHttp3Code(0x22)).isFalse();
        assertThat(ErrorCodes.isReservedHttp3Code(0)).isFalse();
        assertThat(ErrorCodes.isReservedHttp3Code(-0x1f + 0x21)).isFalse();
    }

    @Test
    void sessionGoneIncludesChromiumsConnectError() {
        assertThat(ErrorCodes.isSessionGone(ErrorCodes.WT_SESSION_GONE)).isTrue();
        assertThat(ErrorCodes.isSessionGone(ErrorCodes.H3_CONNECT_ERROR)).isTrue();
        assertThat(ErrorCodes.isSessionGone(ErrorCodes.H3_NO_ERROR)).isFalse();
        assertThat(ErrorCodes.isSessionGone(ErrorCodes.WT_BUFFERED_STREAM_REJECTED)).isFalse();
    }

    @Test
    void namesCodesForLogs() {
        assertThat(ErrorCodes.name(0x100)).isEqualTo("H3_NO_ERROR");
        assertThat(ErrorCodes.name(0x10f)).isEqualTo("H3_CONNECT_ERROR");
        assertThat(ErrorCodes.name(0x33)).isEqualTo("H3_DATAGRAM_ERROR");
        assertThat(ErrorCodes.name(0x170d7b68L)).isEqualTo("WT_SESSION_GONE");
        assertThat(ErrorCodes.name(0x212c0d48L)).isEqualTo("WT_REQUIREMENTS_NOT_MET");
        assertThat(ErrorCodes.name(0x52e4a40fb9faL)).isEqualTo("WT_APPLICATION_ERROR(4242)");
        assertThat(ErrorCodes.name(APPLICATION_ERROR_FIRST)).isEqualTo("WT_APPLICATION_ERROR(0)");
        assertThat(ErrorCodes.name(0x52e4a40fa8f9L)).isEqualTo("0x52e4a40fa8f9");
        assertThat(ErrorCodes.name(0x1234)).isEqualTo("0x1234");
    }

    private static void assertRoundTrip(long n) {
        long http3Code = ErrorCodes.webTransportToHttp3(n);
        if (ErrorCodes.isReservedHttp3Code(http3Code)) {
            throw new AssertionError("application code " + n + " mapped to reserved 0x" + Long.toHexString(http3Code));
        }
        OptionalLong back = ErrorCodes.http3ToWebTransport(http3Code);
        if (back.isEmpty() || back.getAsLong() != n) {
            throw new AssertionError("round trip of " + n + " gave " + back);
        }
    }

    /** Walks every codepoint in [from, to]: reserved and out-of-range ones map to nothing, the rest to consecutive codes. */
    private static void assertWindowSkipsReservedPoints(long from, long to) {
        long previous = -1;
        int reservedSeen = 0;
        for (long h = from; h <= to; h++) {
            OptionalLong mapped = ErrorCodes.http3ToWebTransport(h);
            boolean inRange = h >= APPLICATION_ERROR_FIRST && h <= APPLICATION_ERROR_LAST;
            if (!inRange || ErrorCodes.isReservedHttp3Code(h)) {
                assertThat(mapped).as("0x%x", h).isEmpty();
                reservedSeen += inRange ? 1 : 0;
                continue;
            }
            assertThat(mapped).as("0x%x", h).isPresent();
            long n = mapped.getAsLong();
            if (previous >= 0) {
                assertThat(n).as("0x%x follows application code %d", h, previous).isEqualTo(previous + 1);
            }
            assertThat(ErrorCodes.webTransportToHttp3(n)).isEqualTo(h);
            previous = n;
        }
        assertThat(reservedSeen).isGreaterThanOrEqualTo(WINDOW / 0x1f);
    }

    private static long reservedAtOrBelow(long code) {
        return (code - 0x21) / 0x1f + 1;
    }
}
