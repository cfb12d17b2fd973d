package dev.webtransport.bench;

import dev.webtransport.bench.client.BenchClient;
import dev.webtransport.bench.jmh.WireCodecBenchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark suite's driver; runs in the client JVM. Starts each server in its own JVM ({@link ServerProcess}),
 * runs JMH for the wire codecs and the eight scenarios side by side against our server, Flupke's and raw Netty QUIC,
 * and writes {@code BENCHMARK.md} (generated section) and {@code results.json}. Every loop is bounded; the whole run
 * has a deadline ({@code -budget} seconds, default 480) after which remaining work is skipped and reported as such.
 *
 * <p>Arguments: {@code -out DIR} (where BENCHMARK.md is), {@code -json FILE}, {@code -quick} (small counts, for
 * trying the harness), {@code -only ours,flupke,raw}, {@code -skip-jmh}, {@code -budget SECONDS}.
 */
public final class BenchmarkHarness {
    private BenchmarkHarness() {
    }

    /** CPU seconds (user + system) of this JVM. */
    static double processCpuSeconds() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("bench.snapshot") == null) {
            System.exit(relaunchOnSnapshot(args));
        }
        Path outDir = Path.of(".");
        Path json = null;
        boolean quick = false;
        boolean jmh = true;
        long budgetSeconds = 480;
        java.util.Set<String> selected = null;
        List<Target> targets = new ArrayList<>(List.of(Target.OURS, Target.FLUPKE, Target.RAW));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-out" -> outDir = Path.of(args[++i]);
                case "-json" -> json = Path.of(args[++i]);
                case "-quick" -> quick = true;
                case "-skip-jmh" -> jmh = false;
                case "-budget" -> budgetSeconds = Long.parseLong(args[++i]);
                case "-scenarios" -> selected = java.util.Set.of(args[++i].split(","));
                case "-only" -> {
                    targets.clear();
                    for (String k : args[++i].split(",")) {
                        for (Target t : Target.values()) {
                            if (t.key.equals(k.trim())) {
                                targets.add(t);
                            }
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        outDir = outDir.toAbsolutePath().normalize();
        if (json == null) {
            json = outDir.resolve("results.json");
        }
        Path logDir = Path.of(System.getProperty("java.io.tmpdir"), "wtbench-logs");
        Scenarios.Plan plan = quick ? Scenarios.Plan.quick() : Scenarios.Plan.full();
        Scenarios.Budget budget = new Scenarios.Budget(Duration.ofSeconds(budgetSeconds));
        Instant started = Instant.now();
        Map<String, Object> machine = MachineInfo.collect();
        log("machine: " + machine);

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("suite", "webtransport-spring-boot benchmarks");
        root.put("started", started.truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("mode", quick ? "quick" : "full");
        root.put("command", System.getProperty("bench.command",
                "mvn -B -o -Pbench -pl benchmarks -am -DskipTests verify"));
        root.put("machine", machine);
        root.put("plan", planJson(plan));
        root.put("raw_transport", RawTransport.describe());
        Map<String, Object> scenarios = new LinkedHashMap<>();
        root.put("scenarios", scenarios);

        if (jmh) {
            root.put("jmh", runJmh(quick));
        }

        Scenarios sc = new Scenarios(plan, budget);
        only = selected;

        // 7. memory: a fresh server JVM per target, so the baseline is not inflated by earlier runs
        Map<String, Object> memory = new LinkedHashMap<>();
        scenarios.put("memory_idle_sessions", memory);
        for (Target t : targets) {
            if (selected != null && !selected.contains("memory_idle_sessions")) {
                break;
            }
            if (!budget.has(Duration.ofSeconds(20))) {
                memory.put(t.key, skipped());
                continue;
            }
            log("memory / " + t.key);
            sc.slice(Duration.ofSeconds(70));
            try (ServerProcess server = ServerProcess.start(t.key, logDir); BenchClient client = t.client(server)) {
                memory.put(t.key, sc.memory(client, server));
            } catch (Exception e) {
                memory.put(t.key, failed(e));
            }
            log("  " + memory.get(t.key));
        }

        // the other scenarios: one server JVM per target, scenario by scenario, targets interleaved
        Map<Target, ServerProcess> servers = new EnumMap<>(Target.class);
        Map<Target, BenchClient> clients = new EnumMap<>(Target.class);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> servers.values().forEach(ServerProcess::close)));
        try {
            for (Target t : targets) {
                try {
                    ServerProcess s = ServerProcess.start(t.key, logDir);
                    servers.put(t, s);
                    clients.put(t, t.client(s));
                } catch (Exception e) {
                    log("cannot start " + t.key + ": " + e);
                }
            }
            // time slice per target (s): loops stop at their counts or at the slice, whichever comes first
            run(scenarios, "handshake", targets, clients, budget, sc, 10, (t, c) -> sc.handshake(c));
            run(scenarios, "connection_rate", targets, clients, budget, sc, 5, (t, c) -> sc.connectionRate(c));
            run(scenarios, "request_response", targets, clients, budget, sc, 8, (t, c) -> sc.requestResponse(c));
            run(scenarios, "stream_throughput", targets, clients, budget, sc, 21, (t, c) -> sc.throughput(c));
            run(scenarios, "datagrams", targets, clients, budget, sc, 8, (t, c) -> t.datagrams ? sc.datagrams(c)
                    : Map.of("status", "n/a (Flupke has no WebTransport datagram API)"));
            run(scenarios, "multiplexing", targets, clients, budget, sc, 18, (t, c) -> sc.multiplexing(c, servers.get(t),
                    Duration.ofSeconds(t == Target.FLUPKE ? 45 : 60)));
            run(scenarios, "large_transfer", targets, clients, budget, sc, 25, (t, c) -> sc.largeTransfer(c,
                    servers.get(t), t == Target.FLUPKE ? plan.flupkeLargeTimeout() : plan.largeTimeout(),
                    t == Target.FLUPKE ? 1 : plan.largeRuns()));
        } finally {
            clients.values().forEach(c -> {
                try {
                    c.close();
                } catch (RuntimeException ignored) {
                    // closing
                }
            });
            servers.values().forEach(ServerProcess::close);
            servers.clear();
        }
        machine.put("load_average_end", MachineInfo.loadAverage());
        root.put("duration_s", Duration.between(started, Instant.now()).toSeconds());
        root.put("budget_left_s", budget.left().toSeconds());

        Files.createDirectories(json.toAbsolutePath().getParent());
        Files.writeString(json, Json.write(root));
        Report.write(outDir.resolve("BENCHMARK.md"), root, outDir.relativize(json.toAbsolutePath()).toString());
        log("wrote " + json + " and " + outDir.resolve("BENCHMARK.md") + " in "
                + Duration.between(started, Instant.now()).toSeconds() + " s");
        System.exit(0); // client threads are daemons, but do not linger on anything
    }

    /**
     * Other engineers build in this work tree while the suite runs, and a rebuild rewrites {@code target/classes}
     * under the JVMs' feet. So the launcher JVM (started by Maven) copies every class directory and project-built jar
     * of its class path into a private temporary directory and runs the real harness (the client JVM) on that copy;
     * the server JVMs and JMH forks inherit it. Returns the child's exit code; the child is killed after 15 minutes.
     */
    private static int relaunchOnSnapshot(String[] args) throws IOException, InterruptedException {
        Path snapshot = Files.createTempDirectory("wtbench-cp-");
        try {
            List<String> entries = new ArrayList<>();
            int n = 0;
            for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                Path p = Path.of(e);
                if (Files.isDirectory(p)) {
                    Path dst = snapshot.resolve("dir" + n++);
                    try (var walk = Files.walk(p)) {
                        for (Path src : (Iterable<Path>) walk::iterator) {
                            Path to = dst.resolve(p.relativize(src).toString());
                            if (Files.isDirectory(src)) {
                                Files.createDirectories(to);
                            } else {
                                Files.copy(src, to);
                            }
                        }
                    }
                    entries.add(dst.toString());
                } else if (e.contains("/target/") && Files.isRegularFile(p)) {
                    Path dst = snapshot.resolve("jar" + n++ + ".jar");
                    Files.copy(p, dst);
                    entries.add(dst.toString());
                } else {
                    entries.add(e);
                }
            }
            // a copy taken while someone else was rebuilding would miss classes: check before spending minutes
            try (var loader = new java.net.URLClassLoader(entries.stream().map(x -> {
                try {
                    return Path.of(x).toUri().toURL();
                } catch (java.net.MalformedURLException ex) {
                    throw new IllegalStateException(ex);
                }
            }).toArray(java.net.URL[]::new), null)) {
                for (String c : List.of("dev/webtransport/server/WebTransportServer.class",
                        "dev/webtransport/server/tls/DevelopmentCertificate.class",
                        "dev/webtransport/client/WebTransportClient.class",
                        "dev/webtransport/bench/server/ServerMain.class")) {
                    if (loader.findResource(c) == null) {
                        log("the class path copy misses " + c + " (a concurrent rebuild?); run the command again");
                        return 3;
                    }
                }
            }
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(ServerProcess.jvmFlags());
            cmd.add("-Dbench.snapshot=" + snapshot);
            cmd.add("-cp");
            cmd.add(String.join(java.io.File.pathSeparator, entries));
            cmd.add(BenchmarkHarness.class.getName());
            cmd.addAll(List.of(args));
            Process child = new ProcessBuilder(cmd).inheritIO().start();
            Runtime.getRuntime().addShutdownHook(new Thread(child::destroyForcibly));
            if (!child.waitFor(15, java.util.concurrent.TimeUnit.MINUTES)) {
                log("harness did not finish within 15 minutes: killed");
                child.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                return 2;
            }
            return child.exitValue();
        } finally {
            try (var walk = Files.walk(snapshot)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
    }

    @FunctionalInterface
    interface ScenarioRun {
        Map<String, Object> run(Target target, BenchClient client) throws Exception;
    }

    private static java.util.Set<String> only;

    private static void run(Map<String, Object> scenarios, String name, List<Target> targets,
                            Map<Target, BenchClient> clients, Scenarios.Budget budget, Scenarios sc,
                            int sliceSeconds, ScenarioRun body) {
        if (only != null && !only.contains(name)) {
            return;
        }
        Map<String, Object> per = new LinkedHashMap<>();
        scenarios.put(name, per);
        for (Target t : targets) {
            BenchClient c = clients.get(t);
            if (c == null) {
                per.put(t.key, Map.of("status", "failed: server did not start"));
                continue;
            }
            if (!budget.has(Duration.ofSeconds(3))) {
                per.put(t.key, skipped());
                continue;
            }
            log(name + " / " + t.key);
            sc.slice(Duration.ofSeconds(sliceSeconds));
            long t0 = System.nanoTime();
            try {
                per.put(t.key, body.run(t, c));
            } catch (Exception e) {
                per.put(t.key, failed(e));
            }
            log(String.format("  %.1f s: %s", (System.nanoTime() - t0) / 1e9, per.get(t.key)));
        }
    }

    private static Map<String, Object> skipped() {
        return Map.of("status", "skipped (time budget)");
    }

    private static Map<String, Object> failed(Exception e) {
        return Map.of("status", "failed", "note", String.valueOf(e.getMessage() == null ? e : e.getMessage()));
    }

    static void log(String s) {
        System.out.println("[bench " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "] " + s);
        System.out.flush();
    }

    private static Map<String, Object> planJson(Scenarios.Plan p) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (var c : Scenarios.Plan.class.getRecordComponents()) {
            try {
                Object v = c.getAccessor().invoke(p);
                m.put(c.getName(), v instanceof Duration d ? d.toSeconds() + " s" : v);
            } catch (ReflectiveOperationException e) {
                m.put(c.getName(), "?");
            }
        }
        return m;
    }

    private static Map<String, Object> runJmh(boolean quick) {
        Map<String, Object> out = new LinkedHashMap<>();
        log("JMH: " + WireCodecBenchmark.class.getSimpleName());
        try {
            ChainedOptionsBuilder o = new OptionsBuilder()
                    .include(WireCodecBenchmark.class.getName() + ".*")
                    .forks(1)
                    .warmupIterations(1).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(quick ? 2 : 3).measurementTime(TimeValue.seconds(1))
                    .jvmArgs(ServerProcess.jvmFlags().toArray(String[]::new))
                    .verbosity(VerboseMode.SILENT);
            for (RunResult r : new Runner(o.build()).run()) {
                String name = r.getParams().getBenchmark();
                name = name.substring(name.lastIndexOf('.') + 1);
                var s = r.getPrimaryResult();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("score", s.getScore());
                m.put("error", s.getScoreError());
                m.put("unit", s.getScoreUnit());
                m.put("mode", r.getParams().getMode().shortLabel());
                out.put(name, m);
                log(String.format("  %-24s %10.2f ± %.2f %s", name, s.getScore(), s.getScoreError(), s.getScoreUnit()));
            }
            out.put("settings", "1 fork, 1 x 1 s warm-up, " + (quick ? 2 : 3)
                    + " x 1 s measurement, average time; forks use the harness JVM flags");
        } catch (Exception e) {
            out.put("status", "failed: " + e);
        }
        return out;
    }

    /** Machine facts recorded with the results. */
    static final class MachineInfo {
        private MachineInfo() {
        }

        static Map<String, Object> collect() throws IOException {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("nproc", Runtime.getRuntime().availableProcessors());
            m.put("cpu_model", firstValue("/proc/cpuinfo", "model name"));
            m.put("mem_total", firstValue("/proc/meminfo", "MemTotal"));
            m.put("kernel", read("/proc/sys/kernel/osrelease"));
            m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            m.put("java_version", System.getProperty("java.version"));
            m.put("java_vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
            m.put("jvm_flags", String.join(" ", ServerProcess.jvmFlags()));
            m.put("netty", io.netty.util.Version.identify().values().stream()
                    .filter(v -> v.artifactId().equals("netty-codec-classes-quic")
                            || v.artifactId().equals("netty-transport"))
                    .map(v -> v.artifactId() + " " + v.artifactVersion()).sorted().toList().toString());
            m.put("load_average_start", loadAverage());
            return m;
        }

        static String loadAverage() {
            return read("/proc/loadavg");
        }

        private static String read(String file) {
            try {
                return Files.readString(Path.of(file)).trim();
            } catch (IOException e) {
                return "unknown";
            }
        }

        private static String firstValue(String file, String key) {
            try {
                for (String line : Files.readAllLines(Path.of(file))) {
                    if (line.startsWith(key)) {
                        return line.substring(line.indexOf(':') + 1).trim();
                    }
                }
            } catch (IOException ignored) {
                // not Linux
            }
            return "unknown";
        }
    }
}
