package dev.webtransport.client;

import dev.webtransport.protocol.WebTransportProtocolHandler;
import dev.webtransport.protocol.WebTransportTimeoutException;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.SessionDecision;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.webtransport.client.TestServers.await;
import static dev.webtransport.client.TestServers.uri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Connects never hang: a silent UDP port and a server that never answers the CONNECT both end in a timeout. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientTimeoutTest {

    /** Waits (bounded) for a future that must fail; returns the failure and checks how long it took. */
    static Throwable failureWithin(CompletableFuture<?> f, long minMillis, long maxMillis, long startNanos)
            throws Exception {
        Throwable error = catchThrowable(() -> f.get(10, TimeUnit.SECONDS));
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        assertThat(error).isInstanceOf(ExecutionException.class);
        assertThat(elapsed).as("time until the failure, ms").isBetween(minMillis, maxMillis);
        return error.getCause();
    }

    @Test
    void connectToASilentUdpPortTimesOut() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
             WebTransportClient client = TestServers.client(Duration.ofSeconds(1)).build()) {
            long start = System.nanoTime();
            CompletableFuture<WebTransportSession> f = client.connect(
                    URI.create("https://127.0.0.1:" + silent.getLocalPort() + "/echo"), new WebTransportSessionHandler() { });
            Throwable cause = failureWithin(f, 900, 3000, start);
            assertThat(cause).isInstanceOf(WebTransportTimeoutException.class);
            assertThat(client.connections()).isEmpty();

            start = System.nanoTime();
            Throwable direct = failureWithin(client.newConnection("127.0.0.1", silent.getLocalPort()), 900, 3000, start);
            assertThat(direct).isInstanceOf(WebTransportTimeoutException.class);
        }
    }

    @Test
    void serverThatNeverAnswersTheConnectTimesOut() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        WebTransportServer server = TestServers.start(0, 4, request -> {
            release.await(5, TimeUnit.SECONDS); // longer than any timeout below
            return new SessionDecision.Reject(503, "too late");
        });
        try (WebTransportClient client = TestServers.client(Duration.ofSeconds(1)).build()) {
            long start = System.nanoTime();
            Throwable cause = failureWithin(client.connect(uri(server, "/slow"), new WebTransportSessionHandler() { }),
                    900, 3000, start);
            assertThat(cause).isInstanceOf(WebTransportTimeoutException.class);

            // The handler's establishSession with its own timeout on an established connection.
            WebTransportProtocolHandler h = await(client.newConnection("127.0.0.1", server.port()));
            try {
                start = System.nanoTime();
                Throwable direct = failureWithin(h.establishSession("127.0.0.1:" + server.port(), "/slow", Map.of(),
                        new WebTransportSessionHandler() { }, Duration.ofMillis(800)), 700, 3000, start);
                assertThat(direct).isInstanceOf(WebTransportTimeoutException.class);
            } finally {
                h.close();
            }
        } finally {
            release.countDown();
            server.close();
        }
    }

    @Test
    void aTimedOutConnectFreesItsSlotOnASharedConnection() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        EchoHandler echo = new EchoHandler();
        WebTransportServer server = TestServers.start(0, 2, request -> {
            if (request.path().equals("/slow")) {
                release.await(5, TimeUnit.SECONDS);
                return new SessionDecision.Reject(503, "too late");
            }
            return new SessionDecision.Accept(echo, null, Map.of());
        });
        try (WebTransportClient client = TestServers.client(Duration.ofSeconds(1)).build()) {
            Throwable cause = failureWithin(client.connect(uri(server, "/slow"), new WebTransportSessionHandler() { }),
                    900, 3000, System.nanoTime());
            assertThat(cause).isInstanceOf(WebTransportTimeoutException.class);
            Thread.sleep(300); // the engine cancels the unanswered CONNECT at the same deadline
            // Both slots of the connection are free again: on the client and on the server.
            WebTransportSession a = await(client.connect(uri(server, "/echo"), new WebTransportSessionHandler() { }));
            WebTransportSession b = await(client.connect(uri(server, "/echo"), new WebTransportSessionHandler() { }));
            assertThat(client.connections()).hasSize(1);
            assertThat(a.isOpen()).isTrue();
            assertThat(b.isOpen()).isTrue();
        } finally {
            release.countDown();
            server.close();
        }
    }
}
