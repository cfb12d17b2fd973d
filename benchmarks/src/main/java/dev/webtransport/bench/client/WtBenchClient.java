package dev.webtransport.bench.client;

import dev.webtransport.bench.BenchProtocol;
import dev.webtransport.bench.Streams;
import dev.webtransport.client.WebTransportClient;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** {@link BenchClient} on our {@link WebTransportClient} (default settings, trusting the server by certificate hash). */
public final class WtBenchClient implements BenchClient {
    private final WebTransportClient client;
    private final URI uri;

    public WtBenchClient(int port, String certificateSha256Hex) {
        ProtocolHandlerConfig d = ProtocolHandlerConfig.defaults();
        // Default engine limits, except the linger of a one-session connection after its session closed (5 s by
        // default): the connection-rate and handshake loops would otherwise keep hundreds of idle connections around.
        ProtocolHandlerConfig config = new ProtocolHandlerConfig(d.maxSessionsPerConnection(), d.maxBufferedStreams(),
                d.bufferedStreamTimeout(), d.streamReceiveBuffer(), d.maxPendingWriteBytes(), d.maxCapsuleLength(),
                d.datagramReceiveQueue(), d.pendingStreamOpens(), d.streamOpenTimeout(), Duration.ofMillis(200));
        this.client = WebTransportClient.builder()
                .serverCertificateHash(certificateSha256Hex)
                .protocolConfig(config)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        this.uri = URI.create("https://127.0.0.1:" + port + BenchProtocol.PATH);
    }

    @Override
    public CompletableFuture<BenchClient.Connection> connect() {
        SessionConnection c = new SessionConnection();
        return client.connect(uri, c).thenApply(s -> {
            c.session = s;
            return c;
        });
    }

    @Override
    public void close() {
        client.close();
    }

    private static final class SessionConnection implements BenchClient.Connection, WebTransportSessionHandler {
        volatile WebTransportSession session;
        volatile Consumer<byte[]> datagrams = b -> { };

        @Override
        public void onDatagram(WebTransportSession s, byte[] payload) {
            datagrams.accept(payload);
        }

        @Override
        public CompletableFuture<BenchClient.Stream> openStream(Streams.Receiver receiver) {
            return session.openBidirectionalStream().thenApply(st -> {
                Streams.readLoop(st, chunk -> {
                    receiver.onData(ByteBuffer.wrap(chunk));
                    return null;
                }, receiver::onEnd, receiver::onError);
                return new StreamAdapter(st);
            });
        }

        @Override
        public CompletableFuture<Void> sendDatagram(byte[] payload) {
            return session.sendDatagram(payload);
        }

        @Override
        public void onDatagram(Consumer<byte[]> consumer) {
            datagrams = consumer;
        }

        @Override
        public CompletableFuture<Void> close() {
            return session.close();
        }
    }

    private record StreamAdapter(WebTransportBidirectionalStream st) implements BenchClient.Stream {
        @Override
        public CompletableFuture<Void> write(byte[] data, boolean fin) {
            return data.length == 0 && fin ? st.end() : st.write(data, fin);
        }
    }
}
