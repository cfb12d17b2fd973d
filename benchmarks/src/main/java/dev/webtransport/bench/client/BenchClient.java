package dev.webtransport.bench.client;

import dev.webtransport.bench.Streams;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What the scenarios need from a client, implemented once with our {@code WebTransportClient} (for our server and for
 * Flupke's) and once with plain Netty QUIC (for the raw ceiling).
 */
public interface BenchClient extends AutoCloseable {

    /** Completes when the session is ready (raw QUIC: when the QUIC handshake completed). */
    CompletableFuture<Connection> connect();

    @Override
    void close();

    /** One session (raw QUIC: one connection). */
    interface Connection {
        /** Opens a bidirectional stream; {@code receiver} gets everything the server sends on it. */
        CompletableFuture<Stream> openStream(Streams.Receiver receiver);

        /** Sends one datagram (the future completes when handed to QUIC; QUIC may still drop it). */
        CompletableFuture<Void> sendDatagram(byte[] payload);

        /** Where received datagrams go. */
        void onDatagram(Consumer<byte[]> consumer);

        /** Closes the session (raw: the connection); completes when the close was sent. */
        CompletableFuture<Void> close();
    }

    /** The client side of one bidirectional stream. */
    interface Stream extends Streams.Writable {
    }
}
