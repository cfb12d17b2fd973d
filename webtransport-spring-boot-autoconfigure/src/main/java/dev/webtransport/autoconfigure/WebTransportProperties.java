package dev.webtransport.autoconfigure;

import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Configuration of the WebTransport server, under {@code webtransport.server.*}.
 */
@ConfigurationProperties(prefix = "webtransport.server")
public class WebTransportProperties {

    /** Whether the WebTransport server starts with the application. */
    private boolean enabled = true;

    /**
     * Address to bind: "*" binds every interface (IPv4 and IPv6), "localhost" binds 127.0.0.1 and ::1, or a literal
     * address.
     */
    private String host = "*";

    /** UDP port; 0 picks a free port, published as "local.webtransport.server.port". */
    private int port = 4433;

    /** Netty I/O threads (each bound address is served by one thread). */
    private int ioThreads = 2;

    /**
     * Browser origins allowed to open sessions ("scheme://host[:port]", or "*" for any). When empty only same-origin
     * requests are allowed. Requests without an origin header (non-browser clients) are always allowed.
     */
    private List<String> allowedOrigins = new ArrayList<>();

    private final Ssl ssl = new Ssl();
    private final Quic quic = new Quic();
    private final Datagram datagram = new Datagram();
    private final Limits limits = new Limits();
    private final FlowControl flowControl = new FlowControl();
    private final Shutdown shutdown = new Shutdown();
    private final Security security = new Security();

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public String getHost() { return host; }
    public void setHost(String host) { this.host = host; }
    public int getPort() { return port; }
    public void setPort(int port) { this.port = port; }
    public int getIoThreads() { return ioThreads; }
    public void setIoThreads(int ioThreads) { this.ioThreads = ioThreads; }
    public List<String> getAllowedOrigins() { return allowedOrigins; }
    public void setAllowedOrigins(List<String> allowedOrigins) { this.allowedOrigins = allowedOrigins; }
    public Ssl getSsl() { return ssl; }
    public Quic getQuic() { return quic; }
    public Datagram getDatagram() { return datagram; }
    public Limits getLimits() { return limits; }
    public FlowControl getFlowControl() { return flowControl; }
    public Shutdown getShutdown() { return shutdown; }
    public Security getSecurity() { return security; }

    /** TLS identity of the server. QUIC always uses TLS 1.3. */
    public static class Ssl {
        /** Name of a Spring Boot SSL bundle ("spring.ssl.bundle.*") holding the server key and certificate. */
        private String bundle;

        /** PEM file with the certificate chain, leaf first (used when no bundle is set). */
        private Path certificate;

        /** PEM file with the unencrypted PKCS#8 private key of the certificate. */
        private Path privateKey;

        /**
         * Generate a self-signed ECDSA P-256 development certificate when no certificate is configured. Its SHA-256
         * hash is logged and published so browsers can pass it as "serverCertificateHashes". Never used while one of
         * the production profiles is active.
         */
        private boolean developmentCertificate = true;

        /** Validity of the development certificate; browsers accept at most 14 days. */
        private Duration developmentCertificateValidity = Duration.ofDays(10);

        /** Profiles in which a missing certificate is a startup error instead of a development certificate. */
        private List<String> productionProfiles = new ArrayList<>(List.of("prod", "production"));

        public String getBundle() { return bundle; }
        public void setBundle(String bundle) { this.bundle = bundle; }
        public Path getCertificate() { return certificate; }
        public void setCertificate(Path certificate) { this.certificate = certificate; }
        public Path getPrivateKey() { return privateKey; }
        public void setPrivateKey(Path privateKey) { this.privateKey = privateKey; }
        public boolean isDevelopmentCertificate() { return developmentCertificate; }
        public void setDevelopmentCertificate(boolean developmentCertificate) { this.developmentCertificate = developmentCertificate; }
        public Duration getDevelopmentCertificateValidity() { return developmentCertificateValidity; }
        public void setDevelopmentCertificateValidity(Duration v) { this.developmentCertificateValidity = v; }
        public List<String> getProductionProfiles() { return productionProfiles; }
        public void setProductionProfiles(List<String> productionProfiles) { this.productionProfiles = productionProfiles; }
    }

    /** QUIC transport limits. */
    public static class Quic {
        /** Idle timeout after which a silent connection is closed. */
        private Duration idleTimeout = Duration.ofSeconds(30);

        /** Connection-level receive window. */
        private DataSize initialMaxData = DataSize.ofMegabytes(16);

        /** Receive window of each bidirectional stream opened by the server. */
        private DataSize initialMaxStreamDataBidiLocal = DataSize.ofMegabytes(4);

        /** Receive window of each bidirectional stream opened by the client. */
        private DataSize initialMaxStreamDataBidiRemote = DataSize.ofMegabytes(4);

        /** Receive window of each unidirectional stream opened by the client. */
        private DataSize initialMaxStreamDataUni = DataSize.ofMegabytes(4);

        /** Bidirectional streams a client may open (QUIC credit, renewed as streams finish). */
        private long maxStreamsBidi = 100;

        /** Unidirectional streams a client may open (QUIC credit, renewed as streams finish). */
        private long maxStreamsUni = 100;

        /** Largest UDP payload sent and accepted (1200..65527). */
        private int maxUdpPayloadSize = 1452;

        /** Congestion controller. */
        private QuicCongestionControlAlgorithm congestionControl = QuicCongestionControlAlgorithm.CUBIC;

        public Duration getIdleTimeout() { return idleTimeout; }
        public void setIdleTimeout(Duration idleTimeout) { this.idleTimeout = idleTimeout; }
        public DataSize getInitialMaxData() { return initialMaxData; }
        public void setInitialMaxData(DataSize v) { this.initialMaxData = v; }
        public DataSize getInitialMaxStreamDataBidiLocal() { return initialMaxStreamDataBidiLocal; }
        public void setInitialMaxStreamDataBidiLocal(DataSize v) { this.initialMaxStreamDataBidiLocal = v; }
        public DataSize getInitialMaxStreamDataBidiRemote() { return initialMaxStreamDataBidiRemote; }
        public void setInitialMaxStreamDataBidiRemote(DataSize v) { this.initialMaxStreamDataBidiRemote = v; }
        public DataSize getInitialMaxStreamDataUni() { return initialMaxStreamDataUni; }
        public void setInitialMaxStreamDataUni(DataSize v) { this.initialMaxStreamDataUni = v; }
        public long getMaxStreamsBidi() { return maxStreamsBidi; }
        public void setMaxStreamsBidi(long maxStreamsBidi) { this.maxStreamsBidi = maxStreamsBidi; }
        public long getMaxStreamsUni() { return maxStreamsUni; }
        public void setMaxStreamsUni(long maxStreamsUni) { this.maxStreamsUni = maxStreamsUni; }
        public int getMaxUdpPayloadSize() { return maxUdpPayloadSize; }
        public void setMaxUdpPayloadSize(int maxUdpPayloadSize) { this.maxUdpPayloadSize = maxUdpPayloadSize; }
        public QuicCongestionControlAlgorithm getCongestionControl() { return congestionControl; }
        public void setCongestionControl(QuicCongestionControlAlgorithm c) { this.congestionControl = c; }
    }

    /** HTTP/3 datagrams (QUIC DATAGRAM extension). */
    public static class Datagram {
        /** Whether datagrams are offered to clients. */
        private boolean enabled = true;

        /** Datagrams QUIC queues on receipt before the engine reads them. */
        private int receiveQueueLength = 1024;

        /** Datagrams QUIC queues for sending. */
        private int sendQueueLength = 1024;

        /** Datagrams per session waiting for the application handler; beyond, new ones are dropped and counted. */
        private int applicationQueueLength = 1024;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public int getReceiveQueueLength() { return receiveQueueLength; }
        public void setReceiveQueueLength(int v) { this.receiveQueueLength = v; }
        public int getSendQueueLength() { return sendQueueLength; }
        public void setSendQueueLength(int v) { this.sendQueueLength = v; }
        public int getApplicationQueueLength() { return applicationQueueLength; }
        public void setApplicationQueueLength(int v) { this.applicationQueueLength = v; }
    }

    /** Engine limits. */
    public static class Limits {
        /** Sessions one QUIC connection may carry at once (advertised to clients as WT_MAX_SESSIONS). */
        private int maxSessionsPerConnection = 1;

        /** Streams that may wait for their session to be accepted; more are rejected. */
        private int maxBufferedStreams = 24;

        /** Bytes buffered per stream before reading from QUIC pauses (backpressure towards the client). */
        private DataSize streamReceiveBuffer = DataSize.ofMegabytes(1);

        /** Bytes per stream accepted by write but not yet by QUIC; beyond, writes fail fast. */
        private DataSize maxPendingWriteBytes = DataSize.ofMegabytes(8);

        /**
         * Streams a client may have open at once on one session (0 = only QUIC's stream credit); more are refused with
         * H3_REQUEST_REJECTED and counted. Matters when several sessions share a connection.
         */
        private int maxStreamsPerSession = 256;

        public int getMaxStreamsPerSession() { return maxStreamsPerSession; }
        public void setMaxStreamsPerSession(int v) { this.maxStreamsPerSession = v; }

        /** Largest capsule accepted on a CONNECT stream. */
        private DataSize maxCapsuleSize = DataSize.ofKilobytes(64);

        public int getMaxSessionsPerConnection() { return maxSessionsPerConnection; }
        public void setMaxSessionsPerConnection(int v) { this.maxSessionsPerConnection = v; }
        public int getMaxBufferedStreams() { return maxBufferedStreams; }
        public void setMaxBufferedStreams(int v) { this.maxBufferedStreams = v; }
        public DataSize getStreamReceiveBuffer() { return streamReceiveBuffer; }
        public void setStreamReceiveBuffer(DataSize v) { this.streamReceiveBuffer = v; }
        public DataSize getMaxPendingWriteBytes() { return maxPendingWriteBytes; }
        public void setMaxPendingWriteBytes(DataSize v) { this.maxPendingWriteBytes = v; }
        public DataSize getMaxCapsuleSize() { return maxCapsuleSize; }
        public void setMaxCapsuleSize(DataSize v) { this.maxCapsuleSize = v; }
    }

    /**
     * Session-level flow control (WT_MAX_DATA / WT_MAX_STREAMS). It applies on a connection only when the client
     * declares it too (Chromium does not: then only QUIC flow control applies); more than one draft-13+ session per
     * connection needs it. Limits left unset are unlimited: the server declares flow control but never makes a peer wait.
     */
    public static class FlowControl {
        /**
         * Whether the server declares and takes part in session flow control. When false, no WT_INITIAL_* settings are
         * sent, and a draft-13+ connection carries at most one session whatever "limits.max-sessions-per-connection"
         * says; pywebtransport 0.6 clients, which enforce the limits anyway, then cannot send stream data.
         */
        private boolean enabled = true;

        /**
         * Stream body bytes a client may send on one session before the first WT_MAX_DATA; also the starting receive
         * window. Unset: unlimited (2^62-1 bytes).
         */
        private DataSize initialMaxData;

        /**
         * Largest receive window per session that auto-scaling may grow to (it doubles while the window, not the
         * reader, holds a sender back); at least "initial-max-data". Unset: 16MB, or "initial-max-data" if larger.
         */
        private DataSize maxDataWindow;

        /** Bidirectional streams a client may have open at once on one session. Unset: unlimited (2^60). */
        private Long initialMaxStreamsBidi;

        /** Unidirectional streams a client may have open at once on one session. Unset: unlimited (2^60). */
        private Long initialMaxStreamsUni;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public DataSize getInitialMaxData() { return initialMaxData; }
        public void setInitialMaxData(DataSize v) { this.initialMaxData = v; }
        public DataSize getMaxDataWindow() { return maxDataWindow; }
        public void setMaxDataWindow(DataSize v) { this.maxDataWindow = v; }
        public Long getInitialMaxStreamsBidi() { return initialMaxStreamsBidi; }
        public void setInitialMaxStreamsBidi(Long v) { this.initialMaxStreamsBidi = v; }
        public Long getInitialMaxStreamsUni() { return initialMaxStreamsUni; }
        public void setInitialMaxStreamsUni(Long v) { this.initialMaxStreamsUni = v; }
    }

    /** Protections against abuse (see the threat model in the README). */
    public static class Security {
        /**
         * Base64 secret (at least 32 bytes) keying QUIC address-validation and stateless-reset tokens; servers behind
         * one address must share it. Empty: a random key per start.
         */
        private String addressValidationKey;

        /** Most QUIC connections open at once (0 = unlimited). */
        private int maxConnections = 10_000;

        /** Most sessions open at once across the server (0 = unlimited). */
        private int maxSessions = 10_000;

        /** Session requests allowed per second from one source address (0 = unlimited). */
        private double sessionRequestsPerSecondPerAddress = 50;

        /** Client certificates (mutual TLS): NONE, OPTIONAL or REQUIRED. */
        private ClientAuth clientAuth = ClientAuth.NONE;

        /** PEM file with the CA certificates client certificates must chain to (needed unless client-auth is NONE). */
        private Path trustedClientCertificates;

        public String getAddressValidationKey() { return addressValidationKey; }
        public void setAddressValidationKey(String v) { this.addressValidationKey = v; }
        public int getMaxConnections() { return maxConnections; }
        public void setMaxConnections(int v) { this.maxConnections = v; }
        public int getMaxSessions() { return maxSessions; }
        public void setMaxSessions(int v) { this.maxSessions = v; }
        public double getSessionRequestsPerSecondPerAddress() { return sessionRequestsPerSecondPerAddress; }
        public void setSessionRequestsPerSecondPerAddress(double v) { this.sessionRequestsPerSecondPerAddress = v; }
        public ClientAuth getClientAuth() { return clientAuth; }
        public void setClientAuth(ClientAuth v) { this.clientAuth = v; }
        public Path getTrustedClientCertificates() { return trustedClientCertificates; }
        public void setTrustedClientCertificates(Path v) { this.trustedClientCertificates = v; }

        /** Client certificate policy. */
        public enum ClientAuth { NONE, OPTIONAL, REQUIRED }
    }

    /** Graceful shutdown. */
    public static class Shutdown {
        /**
         * How long sessions may finish after DRAIN and GOAWAY were sent when the application stops; sessions still
         * open afterwards are closed with code 0x53485554 ("SHUT").
         */
        private Duration drainTimeout = Duration.ofSeconds(10);

        public Duration getDrainTimeout() { return drainTimeout; }
        public void setDrainTimeout(Duration drainTimeout) { this.drainTimeout = drainTimeout; }
    }
}
