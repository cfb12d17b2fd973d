package dev.webtransport.bench;

import dev.webtransport.bench.client.BenchClient;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The eight scenarios (pywebtransport's published set, see BENCHMARK.md for the exact definitions). Each returns a
 * result map; every wait is bounded by the per-operation timeout and by the suite's {@link Budget}.
 */
final class Scenarios {
    static final double MB = 1024.0 * 1024.0;

    /** Sizes and counts of one run. */
    record Plan(int tpWarmup, int tpIterations, int tpStreams, long tpBytes,
                int hsWarmup, int hsSamples,
                int rttWarmup, int rttSamples,
                int dgWarmup, int dgSamples, int burst, int burstRuns,
                int muxStreams, int muxBytes, int muxWarmup, int muxIterations,
                int crWarmup, int crMax, Duration crTime,
                int memSessions, int memConcurrency,
                long largeBytes, int largeRuns, Duration largeTimeout, Duration flupkeLargeTimeout) {

        static Plan full() {
            return new Plan(1, 4, 10, 1024 * 1024,
                    10, 100,
                    300, 2000,
                    100, 1000, 10_000, 3,
                    1000, 64 * 1024, 1, 2,
                    10, 500, Duration.ofSeconds(5),
                    1000, 32,
                    100L * 1000 * 1000, 2, Duration.ofSeconds(60), Duration.ofSeconds(40));
        }

        static Plan quick() {
            return new Plan(1, 2, 3, 1024 * 1024,
                    3, 20,
                    50, 200,
                    20, 200, 2_000, 1,
                    200, 64 * 1024, 0, 1,
                    3, 50, Duration.ofSeconds(2),
                    100, 16,
                    20L * 1000 * 1000, 1, Duration.ofSeconds(30), Duration.ofSeconds(20));
        }
    }

    /** The suite's deadline. */
    static final class Budget {
        private final long deadline;

        Budget(Duration total) {
            deadline = System.nanoTime() + total.toNanos();
        }

        Duration left() {
            return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        }

        boolean has(Duration needed) {
            return left().compareTo(needed) >= 0;
        }

        /** The smaller of {@code d} and the time left (at least 1 ms). */
        Duration cap(Duration d) {
            Duration l = left();
            return l.compareTo(d) < 0 ? Duration.ofMillis(Math.max(1, l.toMillis())) : d;
        }
    }

    /** A scenario gave up: a stall (no progress within the timeout) or a verification failure. */
    static final class ScenarioFailure extends Exception {
        ScenarioFailure(String message) {
            super(message);
        }
    }

    private final Plan plan;
    private final Budget budget;
    private static final Duration OP = Duration.ofSeconds(15);
    /** End of the current (scenario, target) time slice; loops stop there even when their counts are not reached. */
    private long sliceEnd = Long.MAX_VALUE;

    /** Starts the time slice of the next scenario run (capped by the suite's budget). */
    void slice(Duration d) {
        sliceEnd = System.nanoTime() + budget.cap(d).toNanos();
    }

    /** Whether the current slice has time left (at least {@code margin}). */
    private boolean inSlice(Duration margin) {
        return sliceEnd - System.nanoTime() > margin.toNanos();
    }

    private long sliceLeftNanos() {
        return Math.max(0, sliceEnd - System.nanoTime());
    }

    /** A sub-slice deadline: {@code fraction} of what is left of the slice, from now. */
    private long subSlice(double fraction) {
        return System.nanoTime() + (long) (sliceLeftNanos() * fraction);
    }

    Scenarios(Plan plan, Budget budget) {
        this.plan = plan;
        this.budget = budget;
    }

    static <T> T await(CompletableFuture<T> f, Duration timeout, String what) throws Exception {
        try {
            return f.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new ScenarioFailure("no progress: " + what + " did not complete within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw new ScenarioFailure(what + " failed: " + c);
        }
    }

    private <T> T await(CompletableFuture<T> f, String what) throws Exception {
        return await(f, budget.cap(OP), what);
    }

    private void closeQuietly(BenchClient.Connection c) {
        if (c != null) {
            try {
                c.close().get(3, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }

    // ------------------------------------------------------------------ single streams

    /** One upload: header + {@code n} pattern bytes + FIN; the server's 16-byte answer is checked. */
    private CompletableFuture<Void> upload(BenchClient.Connection c, long n) {
        Collector answer = new Collector();
        return c.openStream(answer)
                .thenCompose(s -> Streams.writePattern(s, BenchProtocol.header(BenchProtocol.UPLOAD, 0), n, 8, true))
                .thenCompose(v -> answer.end)
                .thenAccept(total -> {
                    ByteBuffer b = answer.head();
                    if (total != 16 || b.getLong() != n || b.getLong() != BenchProtocol.expectedCrc(n)) {
                        throw new IllegalStateException("upload of " + n + " bytes not verified by the server");
                    }
                });
    }

    /** One download of {@code n} bytes, verified by count and CRC. */
    private CompletableFuture<Void> download(BenchClient.Connection c, long n, Collector data) {
        return c.openStream(data)
                .thenCompose(s -> s.write(BenchProtocol.header(BenchProtocol.DOWNLOAD, n), true))
                .thenCompose(v -> data.end)
                .thenAccept(total -> {
                    if (total != n || data.crc() != BenchProtocol.expectedCrc(n)) {
                        throw new IllegalStateException("download: got " + total + " bytes, CRC "
                                + (data.crc() == BenchProtocol.expectedCrc(n) ? "ok" : "wrong"));
                    }
                });
    }

    /** One duplex echo of {@code n} bytes (sent and received concurrently), verified. */
    private CompletableFuture<Void> duplex(BenchClient.Connection c, long n) {
        Collector back = new Collector();
        return c.openStream(back)
                .thenCompose(s -> Streams.writePattern(s, BenchProtocol.header(BenchProtocol.ECHO, 0), n, 8, true))
                .thenCompose(v -> back.end)
                .thenAccept(total -> {
                    if (total != n || back.crc() != BenchProtocol.expectedCrc(n)) {
                        throw new IllegalStateException("echo: got " + total + " of " + n + " bytes");
                    }
                });
    }

    // ------------------------------------------------------------------ 1. stream throughput

    /** Upload, download and duplex, each {@code tpStreams} sequential 1 MB streams per iteration on one session. */
    Map<String, Object> throughput(BenchClient client) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        BenchClient.Connection c = await(client.connect(), "connect");
        try {
            List<String> modes = List.of("upload", "download", "duplex");
            for (int mi = 0; mi < modes.size(); mi++) {
                String mode = modes.get(mi);
                Map<String, Object> r = new LinkedHashMap<>();
                out.put(mode, r);
                List<Double> rates = new ArrayList<>();
                long modeEnd = subSlice(1.0 / (modes.size() - mi));
                try {
                    for (int it = 0; it < plan.tpWarmup() + plan.tpIterations(); it++) {
                        if (it > plan.tpWarmup() && System.nanoTime() > modeEnd) {
                            break; // slice used up: at least one measured iteration was taken
                        }
                        long t0 = System.nanoTime();
                        for (int s = 0; s < plan.tpStreams(); s++) {
                            CompletableFuture<Void> f = switch (mode) {
                                case "upload" -> upload(c, plan.tpBytes());
                                case "download" -> download(c, plan.tpBytes(), new Collector());
                                default -> duplex(c, plan.tpBytes());
                            };
                            await(f, mode + " stream " + (s + 1) + " of iteration " + (it + 1));
                        }
                        double secs = (System.nanoTime() - t0) / 1e9;
                        double bytes = plan.tpStreams() * (double) plan.tpBytes() * (mode.equals("duplex") ? 2 : 1);
                        if (it >= plan.tpWarmup()) {
                            rates.add(bytes / MB / secs);
                        }
                    }
                    r.put("status", rates.size() == plan.tpIterations() ? "ok" : "partial (time slice)");
                } catch (ScenarioFailure e) {
                    r.put("status", "stalled");
                    r.put("note", e.getMessage());
                    // the session may be wedged: continue on a fresh one
                    closeQuietly(c);
                    c = await(client.connect(), "reconnect");
                }
                r.put("mbps_median", Stats.median(rates));
                r.put("mbps_min", Stats.min(rates));
                r.put("mbps_max", Stats.max(rates));
                r.put("iterations", rates);
                r.put("verified", rates.size() + " iterations x " + plan.tpStreams() + " streams, count+CRC-32");
            }
        } finally {
            closeQuietly(c);
        }
        return out;
    }

    // ------------------------------------------------------------------ 2. handshake latency

    Map<String, Object> handshake(BenchClient client) throws Exception {
        long[] samples = new long[plan.hsSamples()];
        int n = 0;
        for (int i = 0; i < plan.hsWarmup() + plan.hsSamples() && (i <= plan.hsWarmup() + 10
                || inSlice(Duration.ZERO)); i++) {
            long t0 = System.nanoTime();
            BenchClient.Connection c = await(client.connect(), "connect " + i);
            long t = System.nanoTime() - t0;
            await(c.close(), "close " + i);
            if (i >= plan.hsWarmup()) {
                samples[n++] = t;
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("latency", Stats.Latency.ofNanos(samples, n));
        r.put("status", n == plan.hsSamples() ? "ok" : "partial (time slice)");
        return r;
    }

    // ------------------------------------------------------------------ 6. connection rate

    Map<String, Object> connectionRate(BenchClient client) throws Exception {
        for (int i = 0; i < plan.crWarmup(); i++) {
            BenchClient.Connection c = await(client.connect(), "warm-up connect");
            await(c.close(), "warm-up close");
        }
        long limit = System.nanoTime() + Math.min(plan.crTime().toNanos(), sliceLeftNanos());
        long t0 = System.nanoTime();
        int n = 0;
        long connectNanos = 0;
        long closeNanos = 0;
        while (n < plan.crMax() && (n < 10 || System.nanoTime() < limit)) {
            long a = System.nanoTime();
            BenchClient.Connection c = await(client.connect(), "connect " + n);
            long b = System.nanoTime();
            await(c.close(), "close " + n);
            connectNanos += b - a;
            closeNanos += System.nanoTime() - b;
            n++;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("connect_ms_mean", connectNanos / 1e6 / Math.max(1, n));
        r.put("close_ms_mean", closeNanos / 1e6 / Math.max(1, n));
        r.put("conn_per_s", n / secs);
        r.put("connections", n);
        r.put("seconds", secs);
        r.put("status", "ok");
        return r;
    }

    // ------------------------------------------------------------------ 3. request-response RTT

    Map<String, Object> requestResponse(BenchClient client) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        BenchClient.Connection c = await(client.connect(), "connect");
        try {
            int[] sizes = {64, 1024};
            for (int si = 0; si < sizes.length; si++) {
                int size = sizes[si];
                long sizeEnd = subSlice(1.0 / (sizes.length - si));
                Map<String, Object> r = new LinkedHashMap<>();
                out.put(size == 64 ? "64B" : "1KiB", r);
                long[] samples = new long[plan.rttSamples()];
                int n = 0;
                Collector back = new Collector();
                BenchClient.Stream s = await(c.openStream(back), "open stream");
                await(s.write(BenchProtocol.header(BenchProtocol.ECHO, 0), false), "header");
                byte[] payload = BenchProtocol.chunk(0, size);
                long expected = 0;
                try {
                    for (int i = 0; i < plan.rttWarmup() + plan.rttSamples(); i++) {
                        expected += size;
                        CompletableFuture<Void> echoed = back.awaitCount(expected);
                        long t0 = System.nanoTime();
                        s.write(payload, false);
                        await(echoed, budget.cap(Duration.ofSeconds(3)), "echo of message " + i);
                        long t = System.nanoTime() - t0;
                        if (i >= plan.rttWarmup()) {
                            samples[n++] = t;
                        }
                        if (n >= 100 && System.nanoTime() > sizeEnd) {
                            break;
                        }
                    }
                    await(s.write(new byte[0], true), "FIN");
                    await(back.end, budget.cap(Duration.ofSeconds(5)), "end of echo stream");
                    boolean ok = back.count() == expected;
                    r.put("status", n == plan.rttSamples() && ok ? "ok" : ok ? "partial (time slice)" : "bad echo");
                } catch (ScenarioFailure e) {
                    r.put("status", "stalled");
                    r.put("note", e.getMessage() + " (after " + n + " measured samples)");
                    closeQuietly(c);
                    c = await(client.connect(), "reconnect");
                }
                r.put("latency", Stats.Latency.ofNanos(samples, n));
            }
        } finally {
            closeQuietly(c);
        }
        return out;
    }

    // ------------------------------------------------------------------ 4. datagrams

    Map<String, Object> datagrams(BenchClient client) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        BenchClient.Connection c = await(client.connect(), "connect");
        try {
            AtomicReference<CompletableFuture<Void>> pending = new AtomicReference<>();
            AtomicLong expectSeq = new AtomicLong(-1);
            AtomicLong echoes = new AtomicLong();
            c.onDatagram(p -> {
                if (p.length >= 9 && p[0] == BenchProtocol.DGRAM_PING) {
                    echoes.incrementAndGet();
                    long seq = ByteBuffer.wrap(p, 1, 8).getLong();
                    CompletableFuture<Void> f = pending.get();
                    if (seq == expectSeq.get() && f != null) {
                        f.complete(null);
                    }
                }
            });
            // RTT: one 64-byte ping at a time, 500 ms to come back or it counts as lost
            long[] samples = new long[plan.dgSamples()];
            int n = 0;
            int lost = 0;
            int sent = 0;
            long rttEnd = subSlice(0.5);
            for (int i = 0; i < plan.dgWarmup() + plan.dgSamples()
                    && (i < plan.dgWarmup() + 100 || System.nanoTime() < rttEnd); i++) {
                byte[] p = new byte[64];
                ByteBuffer.wrap(p).put(BenchProtocol.DGRAM_PING).putLong(i);
                CompletableFuture<Void> f = new CompletableFuture<>();
                pending.set(f);
                expectSeq.set(i);
                long t0 = System.nanoTime();
                c.sendDatagram(p);
                try {
                    f.get(500, TimeUnit.MILLISECONDS);
                    long t = System.nanoTime() - t0;
                    if (i >= plan.dgWarmup()) {
                        samples[n++] = t;
                    }
                } catch (TimeoutException e) {
                    if (i >= plan.dgWarmup()) {
                        lost++;
                    }
                }
                if (i >= plan.dgWarmup()) {
                    sent++;
                }
            }
            Map<String, Object> rtt = new LinkedHashMap<>();
            rtt.put("latency", Stats.Latency.ofNanos(samples, n));
            rtt.put("sent", sent);
            rtt.put("lost", lost);
            rtt.put("status", sent == plan.dgSamples() ? "ok" : "partial (time slice)");
            out.put("rtt", rtt);

            // send rate: a non-blocking burst of 64-byte datagrams; the server counts what arrived
            List<Double> rates = new ArrayList<>();
            List<Long> arrived = new ArrayList<>();
            List<Double> delivered = new ArrayList<>();
            byte[] burstPayload = new byte[64];
            burstPayload[0] = BenchProtocol.DGRAM_BURST;
            for (int run = 0; run < 1 + plan.burstRuns() && (run < 2 || inSlice(Duration.ZERO)); run++) {
                long before = serverDatagramCount(c);
                List<CompletableFuture<Void>> futures = new ArrayList<>(plan.burst());
                long t0 = System.nanoTime();
                for (int i = 0; i < plan.burst(); i++) {
                    futures.add(c.sendDatagram(burstPayload));
                }
                await(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)), "datagram burst");
                double secs = (System.nanoTime() - t0) / 1e9;
                Thread.sleep(300);
                long got = serverDatagramCount(c) - before;
                if (run > 0) {
                    rates.add(plan.burst() / secs);
                    arrived.add(got);
                    delivered.add(got / secs);
                }
            }
            Map<String, Object> rate = new LinkedHashMap<>();
            rate.put("pps_median", Stats.median(rates));
            rate.put("pps_runs", rates);
            rate.put("delivered_pps_median", Stats.median(delivered));
            rate.put("burst", plan.burst());
            rate.put("arrived_at_server", arrived);
            long totalSent = (long) plan.burst() * arrived.size();
            long totalArrived = arrived.stream().mapToLong(Long::longValue).sum();
            rate.put("loss_percent", totalSent == 0 ? Double.NaN : 100.0 * (totalSent - totalArrived) / totalSent);
            rate.put("status", rates.size() == plan.burstRuns() ? "ok" : "partial (time slice)");
            out.put("send_rate", rate);
        } finally {
            closeQuietly(c);
        }
        return out;
    }

    private long serverDatagramCount(BenchClient.Connection c) throws Exception {
        Collector answer = new Collector();
        BenchClient.Stream s = await(c.openStream(answer), "open stats stream");
        await(s.write(BenchProtocol.header(BenchProtocol.STATS, 0), true), "stats request");
        long len = await(answer.end, "stats answer");
        if (len != 8) {
            throw new ScenarioFailure("bad stats answer of " + len + " bytes");
        }
        return answer.head().getLong();
    }

    // ------------------------------------------------------------------ 5. multiplexing

    Map<String, Object> multiplexing(BenchClient client, ServerProcess server, Duration iterationTimeout)
            throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        BenchClient.Connection c = await(client.connect(), "connect");
        List<Double> rates = new ArrayList<>();
        List<Double> serverCpu = new ArrayList<>();
        List<Double> clientCpu = new ArrayList<>();
        try {
            for (int it = 0; it < plan.muxWarmup() + plan.muxIterations(); it++) {
                if (it > plan.muxWarmup() && !inSlice(Duration.ZERO)) {
                    break;
                }
                List<CompletableFuture<Void>> all = new ArrayList<>(plan.muxStreams());
                double s0 = server.cpuSeconds();
                double c0 = BenchmarkHarness.processCpuSeconds();
                long t0 = System.nanoTime();
                for (int s = 0; s < plan.muxStreams(); s++) {
                    all.add(upload(c, plan.muxBytes()));
                }
                CompletableFuture<Void> every = CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
                try {
                    await(every, budget.cap(iterationTimeout), plan.muxStreams() + " concurrent streams");
                } catch (ScenarioFailure e) {
                    long done = all.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count();
                    r.put("status", "stalled");
                    r.put("note", e.getMessage() + "; " + done + " of " + plan.muxStreams() + " streams completed");
                    break;
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                if (it >= plan.muxWarmup()) {
                    rates.add(plan.muxStreams() * (double) plan.muxBytes() / MB / secs);
                    serverCpu.add(server.cpuSeconds() - s0);
                    clientCpu.add(BenchmarkHarness.processCpuSeconds() - c0);
                }
            }
            r.putIfAbsent("status", rates.size() == plan.muxIterations() ? "ok" : "partial (time slice)");
        } finally {
            closeQuietly(c);
        }
        r.put("mbps_median", Stats.median(rates));
        r.put("iterations", rates);
        r.put("server_cpu_s_per_iteration", Stats.median(serverCpu));
        r.put("client_cpu_s_per_iteration", Stats.median(clientCpu));
        r.put("streams", plan.muxStreams());
        r.put("bytes_per_stream", plan.muxBytes());
        return r;
    }

    // ------------------------------------------------------------------ 8. large transfer

    Map<String, Object> largeTransfer(BenchClient client, ServerProcess server, Duration timeout, int runs)
            throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        long n = plan.largeBytes();
        BenchProtocol.expectedCrc(n); // computed before timing
        List<String> dirs = List.of("upload", "download");
        for (int di = 0; di < dirs.size(); di++) {
            String dir = dirs.get(di);
            long dirEnd = subSlice(1.0 / (dirs.size() - di));
            Map<String, Object> r = new LinkedHashMap<>();
            out.put(dir, r);
            List<Double> rates = new ArrayList<>();
            List<String> notes = new ArrayList<>();
            double serverCpu = 0;
            double clientCpu = 0;
            for (int run = 0; run < runs; run++) {
                if (run > 0 && System.nanoTime() > dirEnd) {
                    notes.add("run " + (run + 1) + " skipped (time slice)");
                    break;
                }
                BenchClient.Connection c = await(client.connect(), "connect");
                AtomicLong progress = new AtomicLong();
                Collector data = new Collector();
                double s0 = server.cpuSeconds();
                double c0 = BenchmarkHarness.processCpuSeconds();
                long t0 = System.nanoTime();
                try {
                    CompletableFuture<Void> f;
                    if (dir.equals("upload")) {
                        Collector answer = new Collector();
                        f = c.openStream(answer).thenCompose(s -> Streams.writePattern((d, fin) ->
                                        s.write(d, fin).thenRun(() -> progress.addAndGet(d.length)),
                                BenchProtocol.header(BenchProtocol.UPLOAD, 0), n, 8, true))
                                .thenCompose(v -> answer.end)
                                .thenAccept(total -> {
                                    ByteBuffer b = answer.head();
                                    if (total != 16 || b.getLong() != n || b.getLong() != BenchProtocol.expectedCrc(n)) {
                                        throw new IllegalStateException("server did not verify " + n + " bytes");
                                    }
                                });
                    } else {
                        f = download(c, n, data);
                    }
                    await(f, budget.cap(timeout), dir + " of " + n + " bytes");
                    double secs = (System.nanoTime() - t0) / 1e9;
                    rates.add(n / MB / secs);
                    serverCpu += server.cpuSeconds() - s0;
                    clientCpu += BenchmarkHarness.processCpuSeconds() - c0;
                } catch (ScenarioFailure e) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    long moved = dir.equals("upload") ? progress.get() : data.count();
                    notes.add(String.format("run %d: %s; %.1f MB of %.1f MB moved in %.1f s", run + 1, e.getMessage(),
                            moved / 1e6, n / 1e6, secs));
                } finally {
                    closeQuietly(c);
                }
            }
            r.put("mbps_median", Stats.median(rates));
            r.put("runs", rates);
            r.put("bytes", n);
            r.put("verified", rates.size() + " of " + runs + " runs verified (count + CRC-32)");
            if (!rates.isEmpty()) {
                r.put("server_cpu_s_per_run", serverCpu / rates.size());
                r.put("client_cpu_s_per_run", clientCpu / rates.size());
            }
            boolean stalled = notes.stream().anyMatch(x -> x.contains("no progress") || x.contains("failed"));
            r.put("status", rates.size() == runs ? "ok" : stalled ? "stalled" : "partial (time slice)");
            if (!notes.isEmpty()) {
                r.put("note", String.join("; ", notes));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ 7. memory per idle session

    /** Checkpoints of the memory scenario: after this share of the sessions is open, the server's memory is read. */
    private static final double[] MEMORY_CHECKPOINTS = {0.25, 0.5, 0.75, 1.0};

    /**
     * Opens {@code memSessions} idle sessions against a fresh server JVM and measures its growth: overall (growth ÷
     * sessions, one-time costs such as JIT compilation and the first touch of heap pages included) and marginal (the
     * least-squares slope over the checkpoints from a quarter of the sessions on, once those one-time costs are paid).
     */
    Map<String, Object> memory(BenchClient client, ServerProcess server) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) { // warm the server's session path
            BenchClient.Connection c = await(client.connect(), "warm-up connect");
            await(c.close(), "warm-up close");
        }
        Thread.sleep(1000);
        ServerProcess.Memory before = server.memory();
        List<BenchClient.Connection> open = java.util.Collections.synchronizedList(new ArrayList<>());
        Semaphore slots = new Semaphore(plan.memConcurrency());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long t0 = System.nanoTime();
        long limit = t0 + (long) (sliceLeftNanos() * 0.65);
        int requested = 0;
        List<Integer> checkpointSessions = new ArrayList<>();
        List<ServerProcess.Memory> checkpoints = new ArrayList<>();
        double measureSecs = 0;
        for (double share : MEMORY_CHECKPOINTS) {
            int target = (int) Math.round(plan.memSessions() * share);
            for (; requested < target && failure.get() == null && System.nanoTime() < limit; requested++) {
                if (!slots.tryAcquire(Math.max(1, (limit - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS)) {
                    break;
                }
                client.connect().orTimeout(20, TimeUnit.SECONDS).whenComplete((c, e) -> {
                    slots.release();
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        open.add(c);
                    }
                });
            }
            // wait for the stragglers of this step
            if (slots.tryAcquire(plan.memConcurrency(), Math.max(5_000_000_000L, sliceLeftNanos() / 2),
                    TimeUnit.NANOSECONDS)) {
                slots.release(plan.memConcurrency());
            }
            if (requested < target) {
                break; // out of time or failed: the overall figure below still counts what opened
            }
            if (share < 1.0) {
                long m0 = System.nanoTime();
                Thread.sleep(300);
                checkpointSessions.add(open.size());
                checkpoints.add(server.memory());
                measureSecs += (System.nanoTime() - m0) / 1e9;
            }
        }
        double openSecs = (System.nanoTime() - t0) / 1e9 - measureSecs;
        Thread.sleep(2000);
        ServerProcess.Memory after = server.memory();
        int sessions = open.size();
        checkpointSessions.add(sessions);
        checkpoints.add(after);
        r.put("sessions", sessions);
        r.put("seconds_to_open", openSecs);
        r.put("heap_before_bytes", before.heapUsed());
        r.put("heap_after_bytes", after.heapUsed());
        r.put("rss_before_kb", before.rssKb());
        r.put("rss_after_kb", after.rssKb());
        r.put("threads_before", before.threads());
        r.put("threads_after", after.threads());
        r.put("heap_kb_per_session", sessions == 0 ? Double.NaN : (after.heapUsed() - before.heapUsed()) / 1024.0 / sessions);
        r.put("rss_kb_per_session", sessions == 0 ? Double.NaN : (after.rssKb() - before.rssKb()) / (double) sessions);
        r.put("checkpoint_sessions", checkpointSessions);
        r.put("checkpoint_heap_bytes", checkpoints.stream().map(ServerProcess.Memory::heapUsed).toList());
        r.put("checkpoint_rss_kb", checkpoints.stream().map(ServerProcess.Memory::rssKb).toList());
        if (checkpoints.size() == MEMORY_CHECKPOINTS.length) {
            r.put("marginal_heap_kb_per_session", Stats.slope(checkpointSessions,
                    checkpoints.stream().map(m -> m.heapUsed() / 1024.0).toList()));
            r.put("marginal_rss_kb_per_session", Stats.slope(checkpointSessions,
                    checkpoints.stream().map(m -> (double) m.rssKb()).toList()));
        }
        r.put("status", sessions == plan.memSessions() ? "ok"
                : "partial: " + sessions + " of " + plan.memSessions() + " sessions"
                + (failure.get() != null ? " (" + failure.get() + ")" : ""));
        long hold = Long.getLong("bench.memory.holdMillis", 0);
        if (hold > 0) { // time for a heap histogram (jmap -histo:live) of the server while the sessions are open
            BenchmarkHarness.log("holding " + sessions + " idle sessions open for " + hold + " ms");
            Thread.sleep(hold);
        }
        // close them, bounded
        List<CompletableFuture<Void>> closes = new ArrayList<>();
        synchronized (open) {
            for (BenchClient.Connection c : open) {
                closes.add(c.close().exceptionally(e -> null));
            }
        }
        try {
            CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the server JVM is stopped next anyway
        }
        return r;
    }
}
