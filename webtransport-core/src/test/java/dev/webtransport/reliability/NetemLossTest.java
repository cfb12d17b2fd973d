package dev.webtransport.reliability;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kernel-level loss: a network namespace made by the test (as root) whose loopback gets {@code tc netem} 5% loss and
 * jitter; a child JVM inside it runs server and client on 127.0.0.1 and moves 50 MB, verified by SHA-256. Skipped
 * with a clear message where namespaces or the netem qdisc are unavailable ({@link LossAndReorderingTest} covers the
 * same ground with a user-space relay everywhere).
 */
class NetemLossTest {

    @Test
    @Timeout(240)
    void fiftyMegabytesThroughNetemLoss() throws Exception {
        String ns = "wt-loss-" + ProcessHandle.current().pid();
        String why = run(List.of("ip", "netns", "add", ns));
        Assumptions.assumeTrue(why == null, () -> "SKIPPED netem loss test: cannot create a network namespace (" + why
                + "); run the tests as root on a kernel with network namespaces");
        try {
            run(List.of("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"));
            String netem = run(List.of("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo", "root", "netem",
                    "loss", "5%", "delay", "1ms", "1ms"));
            Assumptions.assumeTrue(netem == null, () -> "SKIPPED netem loss test: the kernel has no netem qdisc ("
                    + netem + "); LossAndReorderingTest covers loss and reordering with a user-space relay");
            String java = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder("ip", "netns", "exec", ns, java, "-cp", System.getProperty("java.class.path"),
                    NetemLossTest.class.getName()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(200, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("VERIFIED");
        } finally {
            run(List.of("ip", "netns", "del", ns));
        }
    }

    /** Runs a command; null on success, else its output. */
    private static String run(List<String> command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? null : out;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** Child process: server and client inside the namespace, 50 MB over the impaired loopback. */
    public static void main(String[] args) throws Exception {
        try (WebTransportServer server = WebTransportServer.builder().host("127.0.0.1").port(0)
                .certificate(TestCertificates.server())
                .quicConfiguration(dev.webtransport.protocol.WebTransportProtocolUtils.createQuicConfiguration(false)
                        .withCongestionControl(LossAndReorderingTest.CONGESTION_CONTROL))
                .acceptor(new WebTransportRouter().route("/sink", new LossAndReorderingTest.HashingSink()))
                .build().start();
             WebTransportClient client = WebTransportClient.builder()
                     .serverCertificateHash(TestCertificates.development().sha256()).build()) {
            WebTransportSession s = client.connect(URI.create("https://127.0.0.1:" + server.port() + "/sink"),
                    new WebTransportSessionHandler() { }).get(30, TimeUnit.SECONDS);
            WebTransportBidirectionalStream stream = s.openBidirectionalStream().get(10, TimeUnit.SECONDS);
            CompletableFuture<byte[]> verdict = stream.readAll(java.time.Duration.ofSeconds(150), 1024);
            String digest = LossAndReorderingTest.send(stream, LossAndReorderingTest.TOTAL, 3);
            String answer = new String(verdict.get(150, TimeUnit.SECONDS), StandardCharsets.UTF_8);
            if (!answer.equals(LossAndReorderingTest.TOTAL + " " + digest)) {
                System.out.println("MISMATCH " + answer);
                System.exit(1);
            }
            System.out.println("VERIFIED " + answer);
        }
        System.exit(0);
    }
}
