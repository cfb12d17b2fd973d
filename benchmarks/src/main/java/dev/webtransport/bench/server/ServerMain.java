package dev.webtransport.bench.server;

import dev.webtransport.protocol.QuicConfiguration;
import dev.webtransport.protocol.WebTransportProtocolUtils;
import dev.webtransport.server.tls.DevelopmentCertificate;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;

/**
 * Entry point of a benchmark server JVM: {@code ServerMain ours|flupke|raw}. Binds 127.0.0.1 on an ephemeral port
 * with a fresh development certificate and prints {@code @@READY <port> <sha256-hex>} on stdout. Then it obeys
 * one-line commands on stdin: {@code MEM} (two full GCs, then {@code @@MEM <heapUsed> <heapCommitted> <nonHeapUsed>
 * <threads>}) and {@code QUIT}. It exits on QUIT, on end of stdin (the harness died) and after 20 minutes at most.
 */
public final class ServerMain {
    /** A running benchmark server. */
    interface BenchServer extends AutoCloseable {
        int port();

        @Override
        void close();
    }

    private static final long MAX_LIFETIME_MS = 20 * 60 * 1000L;

    private ServerMain() {
    }

    /**
     * The QUIC transport settings of our server and of the raw QUIC server: the engine's defaults (4 MiB stream
     * windows, 16 MiB connection window, 1452-byte UDP payloads, CUBIC, datagrams on) except the peer's bidi stream
     * credit, raised from 100 to 1100 so 1000 concurrent streams (plus the CONNECT stream) fit.
     */
    public static QuicConfiguration serverQuic() {
        return WebTransportProtocolUtils.createQuicConfiguration(false).withInitialMaxStreams(1100, 100);
    }

    public static void main(String[] args) throws Exception {
        String target = args.length > 0 ? args[0] : "ours";
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(MAX_LIFETIME_MS);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("benchmark server " + target + ": lifetime exceeded, exiting");
            Runtime.getRuntime().halt(3);
        }, "bench-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        DevelopmentCertificate cert = DevelopmentCertificate.generateDefault();
        BenchServer server = switch (target) {
            case "ours" -> new OurBenchServer(cert, serverQuic());
            case "flupke" -> new FlupkeBenchServer(cert);
            case "raw" -> new RawQuicServer(cert, serverQuic());
            default -> throw new IllegalArgumentException("unknown target " + target);
        };
        System.out.println("@@READY " + server.port() + " " + cert.sha256Hex());
        System.out.flush();

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            line = line.trim();
            if (line.equals("QUIT")) {
                break;
            }
            if (line.equals("MEM")) {
                MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    Thread.sleep(100);
                }
                System.out.println("@@MEM " + mem.getHeapMemoryUsage().getUsed() + " "
                        + mem.getHeapMemoryUsage().getCommitted() + " " + mem.getNonHeapMemoryUsage().getUsed() + " "
                        + ManagementFactory.getThreadMXBean().getThreadCount());
                System.out.flush();
            }
        }
        try {
            server.close();
        } finally {
            System.out.println("@@BYE");
            System.out.flush();
            if (Boolean.getBoolean("bench.server.exit")) {
                System.exit(0); // runs shutdown hooks, so a flight recording started with -XX:StartFlightRecording is dumped
            }
            Runtime.getRuntime().halt(0);
        }
    }
}
