package dev.webtransport.protocol;

import dev.webtransport.protocol.wire.ErrorCodes;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static dev.webtransport.protocol.WebTransportProtocolUtils.canReceiveData;
import static dev.webtransport.protocol.WebTransportProtocolUtils.canReceiveDataOnStream;
import static dev.webtransport.protocol.WebTransportProtocolUtils.canSendData;
import static dev.webtransport.protocol.WebTransportProtocolUtils.canSendDataOnStream;
import static dev.webtransport.protocol.WebTransportProtocolUtils.createQuicConfiguration;
import static dev.webtransport.protocol.WebTransportProtocolUtils.getStreamDirectionFromId;
import static dev.webtransport.protocol.WebTransportProtocolUtils.isBidirectionalStream;
import static dev.webtransport.protocol.WebTransportProtocolUtils.isClientInitiatedStream;
import static dev.webtransport.protocol.WebTransportProtocolUtils.isServerInitiatedStream;
import static dev.webtransport.protocol.WebTransportProtocolUtils.isUnidirectionalStream;
import static dev.webtransport.protocol.WebTransportProtocolUtils.webtransportCodeToHttpCode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every utility function of the seed's {@code protocol.utils}. */
class WebTransportProtocolUtilsTest {
    static final boolean CLIENT = true;
    static final boolean SERVER = false;

    /** Stream ids 0..3 are the four stream types (RFC 9000 §2.1); +4n keeps the type. */
    static final long CLIENT_BIDI = 0;
    static final long SERVER_BIDI = 1;
    static final long CLIENT_UNI = 2;
    static final long SERVER_UNI = 3;

    // ------------------------------------------------------------------ stream-id bits

    @ParameterizedTest
    @ValueSource(longs = {0, 4, 8, 400, (1L << 62) - 4})
    void clientBidiStreams(long base) {
        long id = base + CLIENT_BIDI;
        assertThat(isBidirectionalStream(id)).isTrue();
        assertThat(isUnidirectionalStream(id)).isFalse();
        assertThat(isClientInitiatedStream(id)).isTrue();
        assertThat(isServerInitiatedStream(id)).isFalse();
        assertThat(getStreamDirectionFromId(id, CLIENT)).isEqualTo(StreamDirection.BIDIRECTIONAL);
        assertThat(getStreamDirectionFromId(id, SERVER)).isEqualTo(StreamDirection.BIDIRECTIONAL);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 4, 8, 400, (1L << 62) - 4})
    void serverBidiStreams(long base) {
        long id = base + SERVER_BIDI;
        assertThat(isBidirectionalStream(id)).isTrue();
        assertThat(isUnidirectionalStream(id)).isFalse();
        assertThat(isClientInitiatedStream(id)).isFalse();
        assertThat(isServerInitiatedStream(id)).isTrue();
        assertThat(getStreamDirectionFromId(id, CLIENT)).isEqualTo(StreamDirection.BIDIRECTIONAL);
        assertThat(getStreamDirectionFromId(id, SERVER)).isEqualTo(StreamDirection.BIDIRECTIONAL);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 4, 8, 400, (1L << 62) - 4})
    void clientUniStreams(long base) {
        long id = base + CLIENT_UNI;
        assertThat(isBidirectionalStream(id)).isFalse();
        assertThat(isUnidirectionalStream(id)).isTrue();
        assertThat(isClientInitiatedStream(id)).isTrue();
        assertThat(isServerInitiatedStream(id)).isFalse();
        assertThat(getStreamDirectionFromId(id, CLIENT)).isEqualTo(StreamDirection.SEND_ONLY);
        assertThat(getStreamDirectionFromId(id, SERVER)).isEqualTo(StreamDirection.RECEIVE_ONLY);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 4, 8, 400, (1L << 62) - 4})
    void serverUniStreams(long base) {
        long id = base + SERVER_UNI;
        assertThat(isBidirectionalStream(id)).isFalse();
        assertThat(isUnidirectionalStream(id)).isTrue();
        assertThat(isClientInitiatedStream(id)).isFalse();
        assertThat(isServerInitiatedStream(id)).isTrue();
        assertThat(getStreamDirectionFromId(id, CLIENT)).isEqualTo(StreamDirection.RECEIVE_ONLY);
        assertThat(getStreamDirectionFromId(id, SERVER)).isEqualTo(StreamDirection.SEND_ONLY);
    }

    @Test
    void canSendAndReceiveOnStreamForEveryTypeAndRole() {
        // {stream type, role, can send, can receive}
        Object[][] table = {
                {CLIENT_BIDI, CLIENT, true, true},
                {CLIENT_BIDI, SERVER, true, true},
                {SERVER_BIDI, CLIENT, true, true},
                {SERVER_BIDI, SERVER, true, true},
                {CLIENT_UNI, CLIENT, true, false},
                {CLIENT_UNI, SERVER, false, true},
                {SERVER_UNI, CLIENT, false, true},
                {SERVER_UNI, SERVER, true, false},
        };
        for (Object[] row : table) {
            for (long base : new long[] {0, 4, 1000}) {
                long id = base + (long) row[0];
                boolean isClient = (boolean) row[1];
                assertThat(canSendDataOnStream(id, isClient)).as("send on %d as %s", id, isClient ? "client" : "server")
                        .isEqualTo(row[2]);
                assertThat(canReceiveDataOnStream(id, isClient))
                        .as("receive on %d as %s", id, isClient ? "client" : "server").isEqualTo(row[3]);
                // consistent with the direction helper
                StreamDirection d = getStreamDirectionFromId(id, isClient);
                assertThat(d.canSend()).isEqualTo(row[2]);
                assertThat(d.canReceive()).isEqualTo(row[3]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, -4, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE})
    void idsOutsideTheQuicRangeAreRejected(long id) {
        assertThatThrownBy(() -> isBidirectionalStream(id)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> isUnidirectionalStream(id)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> isClientInitiatedStream(id)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> isServerInitiatedStream(id)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> getStreamDirectionFromId(id, CLIENT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> canSendDataOnStream(id, CLIENT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> canReceiveDataOnStream(id, SERVER)).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ state truth tables

    @Test
    void canSendDataTruthTable() {
        Set<ConnectionState> usableConnections = EnumSet.of(ConnectionState.CONNECTED, ConnectionState.DRAINING);
        Set<SessionState> sendingSessions = EnumSet.of(SessionState.CONNECTED, SessionState.DRAINING);
        for (ConnectionState c : ConnectionState.values()) {
            for (SessionState s : SessionState.values()) {
                boolean expected = usableConnections.contains(c) && sendingSessions.contains(s);
                assertThat(canSendData(c, s)).as("canSendData(%s, %s)", c, s).isEqualTo(expected);
            }
        }
    }

    @Test
    void canReceiveDataTruthTable() {
        Set<ConnectionState> usableConnections = EnumSet.of(ConnectionState.CONNECTED, ConnectionState.DRAINING);
        // a closing session still receives until the peer ends the CONNECT stream
        Set<SessionState> receivingSessions = EnumSet.of(SessionState.CONNECTED, SessionState.DRAINING,
                SessionState.CLOSING);
        for (ConnectionState c : ConnectionState.values()) {
            for (SessionState s : SessionState.values()) {
                boolean expected = usableConnections.contains(c) && receivingSessions.contains(s);
                assertThat(canReceiveData(c, s)).as("canReceiveData(%s, %s)", c, s).isEqualTo(expected);
            }
        }
    }

    // ------------------------------------------------------------------ create_quic_configuration

    @Test
    void createQuicConfigurationDefaults() {
        for (boolean isClient : new boolean[] {true, false}) {
            QuicConfiguration q = createQuicConfiguration(isClient);
            assertThat(q.isClient()).isEqualTo(isClient);
            assertThat(q.alpnProtocols()).containsExactly("h3");
            assertThat(q.maxIdleTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(q.initialMaxData()).isEqualTo(16L * 1024 * 1024);
            assertThat(q.initialMaxStreamDataBidiLocal()).isEqualTo(4L * 1024 * 1024);
            assertThat(q.initialMaxStreamDataBidiRemote()).isEqualTo(4L * 1024 * 1024);
            assertThat(q.initialMaxStreamDataUni()).isEqualTo(4L * 1024 * 1024);
            assertThat(q.initialMaxStreamsBidi()).isEqualTo(100);
            assertThat(q.initialMaxStreamsUni()).isEqualTo(100);
            assertThat(q.maxUdpPayloadSize()).isEqualTo(1452);
            assertThat(q.congestionControl()).isEqualTo(QuicCongestionControlAlgorithm.CUBIC);
            assertThat(q.datagramsEnabled()).isTrue();
            assertThat(q.datagramReceiveQueueLength()).isPositive();
            assertThat(q.datagramSendQueueLength()).isPositive();
        }
        assertThat(WebTransportProtocolUtils.DEFAULT_CONNECTION_WINDOW).isEqualTo(16L * 1024 * 1024);
        assertThat(WebTransportProtocolUtils.DEFAULT_STREAM_WINDOW).isEqualTo(4L * 1024 * 1024);
    }

    @Test
    void createQuicConfigurationCopiesChangeOneSettingEach() {
        QuicConfiguration base = createQuicConfiguration(false);
        assertThat(base.withMaxIdleTimeout(Duration.ofSeconds(5)).maxIdleTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(base.withInitialMaxData(123_456).initialMaxData()).isEqualTo(123_456);
        QuicConfiguration windows = base.withInitialMaxStreamData(65_536);
        assertThat(List.of(windows.initialMaxStreamDataBidiLocal(), windows.initialMaxStreamDataBidiRemote(),
                windows.initialMaxStreamDataUni())).containsOnly(65_536L);
        QuicConfiguration streams = base.withInitialMaxStreams(7, 9);
        assertThat(streams.initialMaxStreamsBidi()).isEqualTo(7);
        assertThat(streams.initialMaxStreamsUni()).isEqualTo(9);
        assertThat(base.withMaxUdpPayloadSize(1200).maxUdpPayloadSize()).isEqualTo(1200);
        assertThat(base.withCongestionControl(QuicCongestionControlAlgorithm.BBR).congestionControl())
                .isEqualTo(QuicCongestionControlAlgorithm.BBR);
        assertThat(base.withDatagrams(false, 0, 0).datagramsEnabled()).as("queues may be 0 when off").isFalse();
        // the copy leaves everything else alone
        QuicConfiguration copy = base.withInitialMaxData(base.initialMaxData());
        assertThat(copy).isEqualTo(base);
        // and the configuration applies to a Netty codec builder
        assertThat(base.applyTo(new QuicServerCodecBuilder())).isNotNull();
    }

    @Test
    void createQuicConfigurationValidation() {
        QuicConfiguration q = createQuicConfiguration(true);
        assertThatThrownBy(() -> q.withInitialMaxData(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("initialMaxData");
        assertThatThrownBy(() -> q.withInitialMaxStreamData(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> q.withInitialMaxStreams(-1, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> q.withInitialMaxStreams(10, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(q.withInitialMaxStreams(0, 0).initialMaxStreamsBidi()).as("0 streams is allowed").isZero();
        assertThatThrownBy(() -> q.withMaxUdpPayloadSize(1199)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> q.withMaxUdpPayloadSize(65528)).isInstanceOf(IllegalArgumentException.class);
        assertThat(q.withMaxUdpPayloadSize(65527).maxUdpPayloadSize()).isEqualTo(65527);
        assertThatThrownBy(() -> q.withMaxIdleTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> q.withMaxIdleTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> q.withMaxIdleTimeout(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> q.withCongestionControl(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> q.withDatagrams(true, 0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> q.withDatagrams(true, 10, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> q.alpnProtocols().add("h2")).as("immutable ALPN list")
                .isInstanceOf(UnsupportedOperationException.class);
    }

    // ------------------------------------------------------------------ error codes

    @Test
    void webtransportCodeToHttpCodeFollowsTheDraftFormula() {
        long first = 0x52e4a40fa8dbL;
        assertThat(webtransportCodeToHttpCode(0)).isEqualTo(first);
        assertThat(webtransportCodeToHttpCode(1)).isEqualTo(first + 1);
        assertThat(webtransportCodeToHttpCode(0x1d)).isEqualTo(first + 0x1d);
        // every 0x1e codes one reserved (GREASE) codepoint 0x1f * N + 0x21 is skipped
        assertThat(webtransportCodeToHttpCode(0x1e)).isEqualTo(first + 0x1e + 1);
        assertThat(webtransportCodeToHttpCode(42)).isEqualTo(0x52e4a40fa906L);
        assertThat(webtransportCodeToHttpCode(0xffffffffL)).isEqualTo(0x52e5ac983162L);
        for (long code = 0; code < 2000; code++) {
            long h3 = webtransportCodeToHttpCode(code);
            assertThat(ErrorCodes.isReservedHttp3Code(h3)).as("code %d maps to a reserved codepoint", code).isFalse();
            assertThat(ErrorCodes.http3ToWebTransport(h3)).hasValue(code);
            if (code > 0) {
                assertThat(h3).isGreaterThan(webtransportCodeToHttpCode(code - 1));
            }
        }
        assertThatThrownBy(() -> webtransportCodeToHttpCode(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> webtransportCodeToHttpCode(0x1_0000_0000L))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
