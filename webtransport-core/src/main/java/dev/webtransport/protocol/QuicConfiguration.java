package dev.webtransport.protocol;

import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * QUIC transport settings of one endpoint (the seed's {@code QuicConfiguration}), applied to a Netty
 * {@link QuicCodecBuilder}. Build with {@link WebTransportProtocolUtils#createQuicConfiguration(boolean)} and the
 * {@code with...} copies.
 *
 * @param isClient                     whether this configures a client
 * @param maxIdleTimeout               idle timeout after which the connection is closed
 * @param initialMaxData               connection-level receive window (bytes)
 * @param initialMaxStreamDataBidiLocal window of bidi streams we open
 * @param initialMaxStreamDataBidiRemote window of bidi streams the peer opens
 * @param initialMaxStreamDataUni      window of uni streams the peer opens
 * @param initialMaxStreamsBidi        how many bidi streams the peer may open (cumulative credit)
 * @param initialMaxStreamsUni         how many uni streams the peer may open (cumulative credit)
 * @param maxUdpPayloadSize            largest UDP payload we send and accept
 * @param congestionControl            congestion controller
 * @param datagramsEnabled             whether the QUIC DATAGRAM extension is advertised
 * @param datagramReceiveQueueLength   datagrams queued inside QUIC before the application reads them
 * @param datagramSendQueueLength      datagrams queued inside QUIC before they are sent
 * @param alpnProtocols                ALPN ids (WebTransport needs exactly {@code h3})
 */
public record QuicConfiguration(
        boolean isClient,
        Duration maxIdleTimeout,
        long initialMaxData,
        long initialMaxStreamDataBidiLocal,
        long initialMaxStreamDataBidiRemote,
        long initialMaxStreamDataUni,
        long initialMaxStreamsBidi,
        long initialMaxStreamsUni,
        int maxUdpPayloadSize,
        QuicCongestionControlAlgorithm congestionControl,
        boolean datagramsEnabled,
        int datagramReceiveQueueLength,
        int datagramSendQueueLength,
        List<String> alpnProtocols) {

    public QuicConfiguration {
        Objects.requireNonNull(maxIdleTimeout, "maxIdleTimeout");
        Objects.requireNonNull(congestionControl, "congestionControl");
        alpnProtocols = List.copyOf(alpnProtocols);
        requirePositive("initialMaxData", initialMaxData);
        requirePositive("initialMaxStreamDataBidiLocal", initialMaxStreamDataBidiLocal);
        requirePositive("initialMaxStreamDataBidiRemote", initialMaxStreamDataBidiRemote);
        requirePositive("initialMaxStreamDataUni", initialMaxStreamDataUni);
        if (initialMaxStreamsBidi < 0 || initialMaxStreamsUni < 0) {
            throw new IllegalArgumentException("stream limits must not be negative");
        }
        if (maxUdpPayloadSize < 1200 || maxUdpPayloadSize > 65527) {
            throw new IllegalArgumentException("maxUdpPayloadSize must be within 1200..65527, got " + maxUdpPayloadSize);
        }
        if (maxIdleTimeout.isNegative() || maxIdleTimeout.isZero()) {
            throw new IllegalArgumentException("maxIdleTimeout must be positive");
        }
        if (datagramsEnabled && (datagramReceiveQueueLength <= 0 || datagramSendQueueLength <= 0)) {
            throw new IllegalArgumentException("datagram queue lengths must be positive");
        }
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    public QuicConfiguration withMaxIdleTimeout(Duration v) { return new QuicConfiguration(isClient, v, initialMaxData, initialMaxStreamDataBidiLocal, initialMaxStreamDataBidiRemote, initialMaxStreamDataUni, initialMaxStreamsBidi, initialMaxStreamsUni, maxUdpPayloadSize, congestionControl, datagramsEnabled, datagramReceiveQueueLength, datagramSendQueueLength, alpnProtocols); }
    public QuicConfiguration withInitialMaxData(long v) { return new QuicConfiguration(isClient, maxIdleTimeout, v, initialMaxStreamDataBidiLocal, initialMaxStreamDataBidiRemote, initialMaxStreamDataUni, initialMaxStreamsBidi, initialMaxStreamsUni, maxUdpPayloadSize, congestionControl, datagramsEnabled, datagramReceiveQueueLength, datagramSendQueueLength, alpnProtocols); }
    /** Same window for every stream kind. */
    public QuicConfiguration withInitialMaxStreamData(long v) { return new QuicConfiguration(isClient, maxIdleTimeout, initialMaxData, v, v, v, initialMaxStreamsBidi, initialMaxStreamsUni, maxUdpPayloadSize, congestionControl, datagramsEnabled, datagramReceiveQueueLength, datagramSendQueueLength, alpnProtocols); }
    public QuicConfiguration withInitialMaxStreams(long bidi, long uni) { return new QuicConfiguration(isClient, maxIdleTimeout, initialMaxData, initialMaxStreamDataBidiLocal, initialMaxStreamDataBidiRemote, initialMaxStreamDataUni, bidi, uni, maxUdpPayloadSize, congestionControl, datagramsEnabled, datagramReceiveQueueLength, datagramSendQueueLength, alpnProtocols); }
    public QuicConfiguration withMaxUdpPayloadSize(int v) { return new QuicConfiguration(isClient, maxIdleTimeout, initialMaxData, initialMaxStreamDataBidiLocal, initialMaxStreamDataBidiRemote, initialMaxStreamDataUni, initialMaxStreamsBidi, initialMaxStreamsUni, v, congestionControl, datagramsEnabled, datagramReceiveQueueLength, datagramSendQueueLength, alpnProtocols); }
    public QuicConfiguration withCongestionControl(QuicCongestionControlAlgorithm v) { return new QuicConfiguration(isClient, maxIdleTimeout, initialMaxData, initialMaxStreamDataBidiLocal, initialMaxStreamDataBidiRemote, initialMaxStreamDataUni, initialMaxStreamsBidi, initialMaxStreamsUni, maxUdpPayloadSize, v, datagramsEnabled, datagramReceiveQueueLength, datagramSendQueueLength, alpnProtocols); }
    public QuicConfiguration withDatagrams(boolean enabled, int receiveQueue, int sendQueue) { return new QuicConfiguration(isClient, maxIdleTimeout, initialMaxData, initialMaxStreamDataBidiLocal, initialMaxStreamDataBidiRemote, initialMaxStreamDataUni, initialMaxStreamsBidi, initialMaxStreamsUni, maxUdpPayloadSize, congestionControl, enabled, receiveQueue, sendQueue, alpnProtocols); }

    /** Applies every transport setting to a Netty QUIC codec builder (TLS and handlers are set elsewhere). */
    public <B extends QuicCodecBuilder<B>> B applyTo(B builder) {
        builder.maxIdleTimeout(maxIdleTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .initialMaxData(initialMaxData)
                .initialMaxStreamDataBidirectionalLocal(initialMaxStreamDataBidiLocal)
                .initialMaxStreamDataBidirectionalRemote(initialMaxStreamDataBidiRemote)
                .initialMaxStreamDataUnidirectional(initialMaxStreamDataUni)
                .initialMaxStreamsBidirectional(initialMaxStreamsBidi)
                .initialMaxStreamsUnidirectional(initialMaxStreamsUni)
                .maxRecvUdpPayloadSize(maxUdpPayloadSize)
                .maxSendUdpPayloadSize(maxUdpPayloadSize)
                .congestionControlAlgorithm(congestionControl)
                .activeMigration(false);
        if (datagramsEnabled) {
            builder.datagram(datagramReceiveQueueLength, datagramSendQueueLength);
        }
        return builder;
    }
}
