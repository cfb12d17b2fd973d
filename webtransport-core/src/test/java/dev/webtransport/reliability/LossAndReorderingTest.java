package dev.webtransport.reliability;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 50 MB through a relay that drops 5% of the datagrams and reorders them with up to 4 ms of jitter: every byte
 * arrives, in order, verified by SHA-256 on the server.
 */
class LossAndReorderingTest {
    static final int TOTAL = 50 * 1024 * 1024;
    /** BBR by default; {@code -Dwt.test.cc=CUBIC} compares with CUBIC. */
    static final io.netty.handler.codec.quic.QuicCongestionControlAlgorithm CONGESTION_CONTROL =
            io.netty.handler.codec.quic.QuicCongestionControlAlgorithm.valueOf(System.getProperty("wt.test.cc", "BBR"));

    /** Reads a whole stream, hashing as it goes, and answers with the byte count and the hex digest. */
    static final class HashingSink implements WebTransportSessionHandler {
        @Override
        public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                long n = 0;
                for (byte[] chunk = stream.read().get(60, TimeUnit.SECONDS); chunk != null;
                     chunk = stream.read().get(60, TimeUnit.SECONDS)) {
                    sha.update(chunk);
                    n += chunk.length;
                }
                stream.write((n + " " + HexFormat.of().formatHex(sha.digest())).getBytes(StandardCharsets.UTF_8), true);
            } catch (Exception e) {
                stream.reset(1);
            }
        }
    }

    /** Writes {@code total} deterministic bytes and returns their SHA-256, pacing on each write's future. */
    static String send(WebTransportBidirectionalStream stream, long total, int seed) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random r = new Random(seed);
        byte[] chunk = new byte[64 * 1024];
        CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
        for (long sent = 0; sent < total; sent += chunk.length) {
            r.nextBytes(chunk);
            sha.update(chunk);
            last.get(60, TimeUnit.SECONDS);
            last = stream.write(chunk, sent + chunk.length >= total);
        }
        last.get(60, TimeUnit.SECONDS);
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    @Timeout(180)
    void fiftyMegabytesArriveCompleteAndByteExactDespiteLossAndReordering() throws Exception {
        var quic = dev.webtransport.protocol.WebTransportProtocolUtils.createQuicConfiguration(false)
                .withCongestionControl(CONGESTION_CONTROL);
        var clientQuic = dev.webtransport.protocol.WebTransportProtocolUtils.createQuicConfiguration(true)
                .withCongestionControl(CONGESTION_CONTROL);
        long start = System.nanoTime();
        try (WebTransportServer server = WebTransportServer.builder().host("127.0.0.1").port(0).quicConfiguration(quic)
                .certificate(TestCertificates.server()).acceptor(new WebTransportRouter().route("/sink", new HashingSink()))
                .build().start();
             LossyUdpRelay relay = new LossyUdpRelay(new InetSocketAddress("127.0.0.1", server.port()), 0.05, 2000);
             WebTransportClient client = WebTransportClient.builder().quicConfiguration(clientQuic)
                     .serverCertificateHash(TestCertificates.development().sha256())
                     .connectTimeout(java.time.Duration.ofSeconds(30)).build()) {
            WebTransportSession s = client.connect(URI.create("https://127.0.0.1:" + relay.port() + "/sink"),
                    new WebTransportSessionHandler() { }).get(30, TimeUnit.SECONDS);
            WebTransportBidirectionalStream stream = s.openBidirectionalStream().get(10, TimeUnit.SECONDS);
            CompletableFuture<byte[]> verdict = stream.readAll(java.time.Duration.ofSeconds(150), 1024);
            String digest = send(stream, TOTAL, 1);
            String answer = new String(verdict.get(150, TimeUnit.SECONDS), StandardCharsets.UTF_8);
            assertThat(answer).isEqualTo(TOTAL + " " + digest);
            assertThat(relay.dropped()).as("the relay really dropped datagrams").isGreaterThan(100);
            System.out.printf("50 MB through 5%% loss: %d ms, %d datagrams forwarded, %d dropped%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), relay.forwarded(), relay.dropped());
            s.close().get(5, TimeUnit.SECONDS);
        }
    }
}
