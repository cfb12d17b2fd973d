package dev.webtransport.bench;

import dev.webtransport.bench.client.BenchClient;
import dev.webtransport.bench.client.RawQuicBenchClient;
import dev.webtransport.bench.client.WtBenchClient;

import java.util.function.Function;

/** One side of the comparison: which server JVM to start and which client talks to it. */
enum Target {
    OURS("ours", "ours (server + client)", true, p -> new WtBenchClient(p.port(), p.certificateHash())),
    FLUPKE("flupke", "Flupke server + our client", false, p -> new WtBenchClient(p.port(), p.certificateHash())),
    RAW("raw", "raw Netty QUIC", true, p -> new RawQuicBenchClient(p.port()));

    final String key;
    final String label;
    final boolean datagrams;
    private final Function<ServerProcess, BenchClient> clientFactory;

    Target(String key, String label, boolean datagrams, Function<ServerProcess, BenchClient> clientFactory) {
        this.key = key;
        this.label = label;
        this.datagrams = datagrams;
        this.clientFactory = clientFactory;
    }

    BenchClient client(ServerProcess server) {
        return clientFactory.apply(server);
    }
}
