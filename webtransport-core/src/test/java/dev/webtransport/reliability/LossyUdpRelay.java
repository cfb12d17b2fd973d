package dev.webtransport.reliability;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay on 127.0.0.1 between one client and a server that drops a share of the datagrams and delays each by a
 * random jitter (which also reorders them): real loss and reordering for QUIC, without kernel support.
 */
final class LossyUdpRelay implements AutoCloseable {
    private final DatagramSocket front;
    private final DatagramSocket back;
    private final InetSocketAddress server;
    private final double loss;
    private final int maxJitterMicros;
    private final Random random = new Random(42);
    private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lossy-relay-delay");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile SocketAddress client;
    private volatile boolean running = true;

    LossyUdpRelay(InetSocketAddress server, double loss, int maxJitterMicros) throws SocketException {
        this.server = server;
        this.loss = loss;
        this.maxJitterMicros = maxJitterMicros;
        this.front = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.back = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        front.setReceiveBufferSize(4 << 20);
        back.setReceiveBufferSize(4 << 20);
        start("lossy-relay-up", front, true);
        start("lossy-relay-down", back, false);
    }

    int port() {
        return front.getLocalPort();
    }

    long forwarded() {
        return forwarded.get();
    }

    long dropped() {
        return dropped.get();
    }

    private void start(String name, DatagramSocket in, boolean fromClient) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[65535];
            while (running) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    in.receive(p);
                } catch (IOException e) {
                    return;
                }
                if (fromClient) {
                    client = p.getSocketAddress();
                }
                boolean drop;
                int jitter;
                synchronized (random) {
                    drop = random.nextDouble() < loss;
                    jitter = maxJitterMicros == 0 ? 0 : random.nextInt(maxJitterMicros);
                }
                if (drop) {
                    dropped.incrementAndGet();
                    continue;
                }
                byte[] copy = java.util.Arrays.copyOf(p.getData(), p.getLength());
                SocketAddress to = fromClient ? server : client;
                DatagramSocket out = fromClient ? back : front;
                if (to == null) {
                    continue;
                }
                delayer.schedule(() -> {
                    try {
                        out.send(new DatagramPacket(copy, copy.length, to));
                        forwarded.incrementAndGet();
                    } catch (IOException ignored) {
                        // socket closed
                    }
                }, jitter, TimeUnit.MICROSECONDS);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        running = false;
        front.close();
        back.close();
        delayer.shutdownNow();
    }
}
