package dev.webtransport.client;

import dev.webtransport.protocol.SessionRejectedException;
import dev.webtransport.protocol.WebTransportProtocolHandler;
import dev.webtransport.protocol.WebTransportTimeoutException;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.webtransport.client.TestServers.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Session recovery: the server is stopped and started again on the same port and the session is re-established on a
 * new connection within the retry budget; without a server, recovery gives up after exactly the configured attempts.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientRecoveryTest {

    /** Records every listener call as text, e.g. "started 1/5", "failed 1 +100ms", "recovered 2", "gave up 3". */
    static final class Recorder implements RecoveryListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();

        @Override
        public void attemptStarted(URI target, int attempt, int maxRetries) {
            events.add("started " + attempt + "/" + maxRetries);
        }

        @Override
        public void attemptFailed(URI target, int attempt, Throwable cause, Duration nextDelay) {
            failures.add(cause);
            events.add("failed " + attempt + (nextDelay == null ? "" : " +" + nextDelay.toMillis() + "ms"));
        }

        @Override
        public void recovered(URI target, WebTransportSession session, int attempts) {
            events.add("recovered " + attempts);
        }

        @Override
        public void gaveUp(URI target, int attempts, Throwable lastError) {
            events.add("gave up " + attempts);
        }

        long count(String prefix) {
            return events.stream().filter(e -> e.startsWith(prefix)).count();
        }
    }

    /** Session handler that remembers every session it was opened with (recovered ones included). */
    static final class Opened implements WebTransportSessionHandler {
        final BlockingQueue<WebTransportSession> sessions = new LinkedBlockingQueue<>();

        @Override
        public void onOpen(WebTransportSession session) {
            sessions.add(session);
        }
    }

    static WebTransportServer echoServer(int port) {
        return TestServers.start(port, 1, new WebTransportRouter().route("/echo", new EchoHandler()));
    }

    static void assertEchoes(WebTransportSession s, String text) throws Exception {
        WebTransportBidirectionalStream st = await(s.openBidirectionalStream());
        CompletableFuture<byte[]> back = st.readAll();
        await(st.write(text.getBytes(StandardCharsets.UTF_8), true));
        assertThat(new String(await(back), StandardCharsets.UTF_8)).isEqualTo(text);
    }

    static WebTransportProtocolHandler connectionOf(WebTransportClient client, WebTransportSession s) {
        return client.connections().stream().filter(h -> h.session(s.sessionId()) == s).findFirst().orElseThrow();
    }

    /** Stops the server, waits until the client noticed, and starts a new server on the same port after a pause. */
    static CompletableFuture<WebTransportServer> restartLater(WebTransportServer old, WebTransportSession s,
                                                              long pauseMillis) throws Exception {
        int port = old.port();
        old.close();
        s.closed().get(10, TimeUnit.SECONDS);
        return CompletableFuture.supplyAsync(() -> echoServer(port),
                CompletableFuture.delayedExecutor(pauseMillis, TimeUnit.MILLISECONDS));
    }

    @Test
    void protocolHandlerRecoversTheSessionAfterTheServerRestartedOnTheSamePort() throws Exception {
        Recorder recorder = new Recorder();
        WebTransportServer first = echoServer(0);
        int port = first.port();
        CompletableFuture<WebTransportServer> second = null;
        try (WebTransportClient client = TestServers.client(Duration.ofSeconds(1))
                .recoveryBackoff(Duration.ofMillis(100), Duration.ofMillis(400)).recoveryListener(recorder).build()) {
            Opened handler = new Opened();
            WebTransportSession original = await(client.connect(TestServers.uri(first, "/echo"), handler));
            assertThat(handler.sessions.poll(5, TimeUnit.SECONDS)).isSameAs(original);
            assertEchoes(original, "before restart");
            WebTransportProtocolHandler h = connectionOf(client, original);

            second = restartLater(first, original, 1500);
            await(h.closeFuture());
            boolean recovered = h.recoverSession(original.sessionId(), 5).get(20, TimeUnit.SECONDS);

            assertThat(recovered).isTrue();
            assertThat(second.get(5, TimeUnit.SECONDS).port()).isEqualTo(port);
            WebTransportSession replacement = handler.sessions.poll(5, TimeUnit.SECONDS);
            assertThat(replacement).isNotNull().isNotSameAs(original);
            assertThat(replacement.isOpen()).isTrue();
            assertThat(replacement.path()).isEqualTo("/echo");
            assertThat(connectionOf(client, replacement)).isNotSameAs(h);
            assertEchoes(replacement, "after restart");
            long attempts = recorder.count("started");
            assertThat(attempts).isBetween(2L, 5L); // the first attempt ran while no server was listening
            assertThat(recorder.events).contains("recovered " + attempts).doesNotContain("gave up " + attempts);
            assertThat(recorder.failures).allSatisfy(e -> assertThat(e).isInstanceOf(WebTransportTimeoutException.class));
        } finally {
            first.close();
            if (second != null) {
                second.get(10, TimeUnit.SECONDS).close();
            }
        }
    }

    @Test
    void clientRecoversAFailedSessionItOpened() throws Exception {
        WebTransportServer first = echoServer(0);
        CompletableFuture<WebTransportServer> second = null;
        try (WebTransportClient client = TestServers.client(Duration.ofSeconds(1))
                .recoveryBackoff(Duration.ofMillis(100), Duration.ofMillis(400)).build()) {
            Opened handler = new Opened();
            WebTransportSession original = await(client.connect(TestServers.uri(first, "/echo"),
                    Map.of("x-token", "abc"), handler));
            handler.sessions.poll(5, TimeUnit.SECONDS);
            second = restartLater(first, original, 700);

            WebTransportSession replacement = client.recover(original, 5).get(20, TimeUnit.SECONDS);

            assertThat(replacement).isNotSameAs(original);
            assertThat(handler.sessions.poll(5, TimeUnit.SECONDS)).isSameAs(replacement);
            assertThat(replacement.headers().get("x-token")).containsExactly("abc");
            assertThat(replacement.headers().get(":authority")).isEqualTo(original.headers().get(":authority"));
            assertEchoes(replacement, "recovered by the client");
        } finally {
            first.close();
            if (second != null) {
                second.get(10, TimeUnit.SECONDS).close();
            }
        }
    }

    @Test
    void withoutAServerRecoveryFailsAfterExactlyTheConfiguredAttempts() throws Exception {
        Recorder recorder = new Recorder();
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
             WebTransportClient client = TestServers.client(Duration.ofMillis(300))
                     .recoveryBackoff(Duration.ofMillis(50), Duration.ofMillis(80)).recoveryListener(recorder).build()) {
            long start = System.nanoTime();
            CompletableFuture<WebTransportSession> f = client.recover("127.0.0.1:" + silent.getLocalPort(), "/echo",
                    Map.of(), new WebTransportSessionHandler() { }, 3);
            Throwable error = catchThrowable(() -> f.get(15, TimeUnit.SECONDS));
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.println("recovery without a server gave up after " + elapsedMillis + " ms: " + recorder.events);

            assertThat(error).isInstanceOf(ExecutionException.class).cause().isInstanceOf(SessionRecoveryException.class);
            SessionRecoveryException failure = (SessionRecoveryException) error.getCause();
            assertThat(failure.attempts()).isEqualTo(3);
            assertThat(failure.getCause()).isInstanceOf(WebTransportTimeoutException.class);
            assertThat(recorder.events).containsExactly("started 1/3", "failed 1 +50ms", "started 2/3", "failed 2 +80ms",
                    "started 3/3", "failed 3", "gave up 3");
            // three 300 ms attempts and two backoffs (50 ms, then 80 ms = the maximum)
            assertThat(elapsedMillis).isBetween(3 * 300L + 130, 5000L);
            assertThat(client.connections()).isEmpty();
        }
    }

    @Test
    void aDefinitiveRejectionEndsRecoveryEarly() throws Exception {
        Recorder recorder = new Recorder();
        WebTransportServer server = echoServer(0);
        try (WebTransportClient client = TestServers.client(Duration.ofSeconds(2)).recoveryListener(recorder).build()) {
            Throwable error = catchThrowable(() -> client.recover("127.0.0.1:" + server.port(), "/missing", Map.of(),
                    new WebTransportSessionHandler() { }, 5).get(10, TimeUnit.SECONDS));
            assertThat(error.getCause()).isInstanceOf(SessionRecoveryException.class);
            assertThat(((SessionRecoveryException) error.getCause()).attempts()).isEqualTo(1);
            assertThat(error.getCause().getCause()).isInstanceOf(SessionRejectedException.class);
            assertThat(recorder.events).containsExactly("started 1/5", "failed 1", "gave up 1");
        } finally {
            server.close();
        }
    }

    @Test
    void backoffDoublesUpToTheMaximum() {
        try (WebTransportClient client = WebTransportClient.builder().build()) {
            assertThat(List.of(client.backoff(1), client.backoff(2), client.backoff(3), client.backoff(4),
                    client.backoff(5), client.backoff(30)))
                    .extracting(Duration::toMillis).containsExactly(200L, 400L, 800L, 1600L, 2000L, 2000L);
        }
    }
}
