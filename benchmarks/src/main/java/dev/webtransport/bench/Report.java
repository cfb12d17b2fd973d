package dev.webtransport.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the generated section of BENCHMARK.md (between {@link #BEGIN} and {@link #END}); text outside the markers
 * is kept, so the hand-written methodology and tuning notes survive every run.
 */
final class Report {
    static final String BEGIN = "<!-- BEGIN GENERATED RESULTS (benchmarks/ harness; edit outside these markers) -->";
    static final String END = "<!-- END GENERATED RESULTS -->";
    private static final String[] TARGETS = {"ours", "flupke", "raw"};
    private static final String PYWT = "pywebtransport v0.10.0 (measured elsewhere)";

    private final Map<String, Object> root;
    private final StringBuilder md = new StringBuilder();
    private final List<String> problems = new ArrayList<>();

    private Report(Map<String, Object> root) {
        this.root = root;
    }

    static void write(Path file, Map<String, Object> root, String jsonName) throws IOException {
        Report r = new Report(root);
        String generated = r.render(jsonName);
        String existing = Files.exists(file) ? Files.readString(file) : null;
        String text;
        if (existing != null && existing.contains(BEGIN) && existing.contains(END)) {
            text = existing.substring(0, existing.indexOf(BEGIN)) + generated
                    + existing.substring(existing.indexOf(END) + END.length());
        } else {
            text = "# Benchmarks\n\nRun: `mvn -B -o -Pbench -pl benchmarks -am -DskipTests verify`\n\n" + generated + "\n";
        }
        Files.writeString(file, text);
    }

    // ---------------------------------------------------------------- access helpers

    @SuppressWarnings("unchecked")
    private Object at(Object node, String... path) {
        Object cur = node;
        for (String p : path) {
            if (!(cur instanceof Map<?, ?> m)) {
                return null;
            }
            cur = ((Map<String, Object>) m).get(p);
        }
        if (cur instanceof Json.Jsonable j) {
            return j.toJson();
        }
        return cur;
    }

    private Object sc(String... path) {
        return at(root.get("scenarios"), path);
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static String f(double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "–";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    private static String ratio(double ours, double other) {
        if (Double.isNaN(ours) || Double.isNaN(other) || other == 0) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f×", ours / other);
    }

    /** Remembers non-ok statuses for the problems list; returns a short marker for the table cell. */
    private String status(String scenario, String target, Object statusNode, Object noteNode) {
        String status = statusNode == null ? null : statusNode.toString();
        if (status == null || status.equals("ok")) {
            return "";
        }
        if (status.startsWith("n/a")) {
            return "n/a";
        }
        String note = noteNode == null ? "" : ": " + noteNode;
        problems.add("**" + scenario + " / " + label(target) + "**: " + status + note);
        return " ⚠ " + status.split("[ :(]")[0];
    }

    private static String label(String target) {
        return switch (target) {
            case "ours" -> "ours";
            case "flupke" -> "Flupke server + our client";
            case "raw" -> "raw Netty QUIC";
            default -> target;
        };
    }

    private void line(String s) {
        md.append(s).append('\n');
    }

    // ---------------------------------------------------------------- rendering

    String render(String jsonName) {
        line(BEGIN);
        line("");
        line("## Results of the last run");
        line("");
        Object m = root.get("machine");
        line("- **When / how:** " + root.get("started") + " UTC, mode `" + root.get("mode") + "`, " + root.get("duration_s")
                + " s for the suite (" + root.get("budget_left_s") + " s of the time budget left); command `"
                + root.get("command") + "`. Raw numbers: `" + jsonName + "`.");
        line("- **Machine:** " + at(m, "nproc") + " CPUs (" + at(m, "cpu_model") + "), " + at(m, "mem_total")
                + " RAM, kernel " + at(m, "kernel") + ". **Load average** (1/5/15 min, runnable/total) at start `"
                + at(m, "load_average_start") + "`, at end `" + at(m, "load_average_end")
                + "` — a shared machine with other engineers' builds running: expect ±30–50 % between runs.");
        line("- **JVM:** Java " + at(m, "java_version") + " (" + at(m, "java_vm") + "), flags `" + at(m, "jvm_flags")
                + "` for the harness/client JVM, every server JVM and the JMH forks; " + at(m, "netty") + ".");
        line("- MB = 2^20 bytes. Ratios are ours ÷ other: above 1 is better for ours in rates, below 1 is better for"
                + " ours in latencies. Cells marked ⚠ are explained under *Stalls, failures, skipped runs* below.");
        line("");

        throughput();
        latency();
        rates();
        memory();
        large();
        jmh();

        line("### Stalls, failures, skipped runs");
        line("");
        if (problems.isEmpty()) {
            line("None: every scenario completed and every transfer was verified.");
        } else {
            for (String p : problems) {
                line("- " + p);
            }
        }
        line("");
        line(END);
        return md.toString();
    }

    private void throughput() {
        line("### 1. Stream throughput, 1 MB per stream (MB/s)");
        line("");
        line("Median (min–max) of " + at(root, "plan", "tpIterations") + " iterations after " + at(root, "plan", "tpWarmup")
                + " warm-up iterations; one iteration = " + at(root, "plan", "tpStreams")
                + " sequential 1 MB streams on one open session; every stream verified (count + CRC-32). Duplex counts"
                + " both directions (2 MB per stream).");
        line("");
        line("| Scenario | ours | Flupke server + our client | raw Netty QUIC | ours/Flupke | ours/raw | " + PYWT + " |");
        line("|---|---|---|---|---|---|---|");
        String[][] rows = {{"upload", "Upload", "42.36"}, {"download", "Download", "7.95"}, {"duplex", "Duplex", "11.15"}};
        for (String[] row : rows) {
            StringBuilder sb = new StringBuilder("| " + row[1] + " |");
            double[] med = new double[3];
            for (int i = 0; i < 3; i++) {
                Object r = sc("stream_throughput", TARGETS[i], row[0]);
                Object top = sc("stream_throughput", TARGETS[i]);
                med[i] = num(at(r, "mbps_median"));
                String st = r != null ? status("stream throughput " + row[0], TARGETS[i], at(r, "status"), at(r, "note"))
                        : status("stream throughput", TARGETS[i], at(top, "status"), at(top, "note"));
                sb.append(' ').append(f(med[i], 1));
                if (!Double.isNaN(med[i])) {
                    sb.append(" (").append(f(num(at(r, "mbps_min")), 1)).append("–").append(f(num(at(r, "mbps_max")), 1))
                            .append(')');
                }
                sb.append(st).append(" |");
            }
            sb.append(' ').append(ratio(med[0], med[1])).append(" | ").append(ratio(med[0], med[2])).append(" | ")
                    .append(row[2]).append(" |");
            line(sb.toString());
        }
        line("");
    }

    private void latency() {
        line("### 2–4. Latency (ms)");
        line("");
        line("Handshake = connect → session ready (raw QUIC: QUIC handshake done), " + at(root, "plan", "hsSamples")
                + " sequential samples after " + at(root, "plan", "hsWarmup") + " warm-up. Request-response = one message"
                + " echoed on an already open stream, " + at(root, "plan", "rttSamples") + " samples after "
                + at(root, "plan", "rttWarmup") + " warm-up. Datagram RTT = one 64 B datagram echoed, "
                + at(root, "plan", "dgSamples") + " samples, 500 ms before it counts as lost. pywebtransport publishes"
                + " min / median / max only, and its request-response and datagram samples include a full connect and"
                + " close each (so they are not comparable with the steady-state figures here).");
        line("");
        line("| Metric | Target | min | p50 | p99 | max | p50 ours/target | " + PYWT + " min / p50 / max |");
        line("|---|---|---|---|---|---|---|---|");
        Object[][] rows = {
                {"Handshake (connect → ready)", new String[]{"handshake", "latency"}, "14.49 / 24.85 / 29.85"},
                {"Request-response 64 B", new String[]{"request_response", "64B", "latency"}, "28.81 / 29.97 / 59.21"},
                {"Request-response 1 KiB", new String[]{"request_response", "1KiB", "latency"}, "29.07 / 30.04 / 34.01"},
                {"Datagram RTT 64 B", new String[]{"datagrams", "rtt", "latency"}, "26.24 / 27.55 / 30.31"},
        };
        for (Object[] row : rows) {
            String[] path = (String[]) row[1];
            double oursP50 = num(at(latencyNode(path, "ours"), "p50_ms"));
            for (int i = 0; i < 3; i++) {
                String t = TARGETS[i];
                Object lat = latencyNode(path, t);
                Object parent = parentNode(path, t);
                if (parent == null) {
                    parent = sc(path[0], t);
                }
                String st = status(row[0].toString(), t, at(parent, "status"), at(parent, "note"));
                if (st.equals("n/a")) {
                    st = " (n/a)";
                } else if (path[0].equals("datagrams") && at(parent, "lost") != null) {
                    st += " (lost " + at(parent, "lost") + " of " + at(parent, "sent") + ")";
                }
                double p50 = num(at(lat, "p50_ms"));
                line("| " + (i == 0 ? row[0] : "") + " | " + label(t) + st + " | " + f(num(at(lat, "min_ms")), 3) + " | "
                        + f(p50, 3) + " | " + f(num(at(lat, "p99_ms")), 3) + " | " + f(num(at(lat, "max_ms")), 3) + " | "
                        + (i == 0 ? "" : ratio(oursP50, p50)) + " | " + (i == 0 ? row[2] : "") + " |");
            }
        }
        line("");
    }

    private Object latencyNode(String[] path, String target) {
        String[] full = new String[path.length + 1];
        full[0] = path[0];
        full[1] = target;
        System.arraycopy(path, 1, full, 2, path.length - 1);
        return sc(full);
    }

    private Object parentNode(String[] path, String target) {
        String[] full = new String[path.length];
        full[0] = path[0];
        full[1] = target;
        System.arraycopy(path, 1, full, 2, path.length - 2);
        return sc(full);
    }

    private void rates() {
        line("### 4–6. Datagram send rate, multiplexing, connection rate");
        line("");
        line("Datagram send rate: a non-blocking burst of " + at(root, "plan", "burst") + " datagrams of 64 B (all"
                + " sends issued, then all futures awaited), median of " + at(root, "plan", "burstRuns")
                + " bursts after one warm-up; loss = datagrams the server did not count (asked on a stream 300 ms"
                + " after the burst). Multiplexing: " + at(root, "plan", "muxStreams") + " concurrent streams of 64 KiB"
                + " uploaded on one session, each acknowledged and verified by the server; aggregate MB/s, median of "
                + at(root, "plan", "muxIterations") + " after " + at(root, "plan", "muxWarmup") + " warm-up"
                + " (server QUIC bidi stream credit raised from 100 to 1100 for ours and raw, Flupke allows 1100)."
                + " Connection rate: sequential connect + session ready + session close, for up to "
                + at(root, "plan", "crTime") + " or " + at(root, "plan", "crMax") + " connections.");
        line("");
        line("| Metric | ours | Flupke server + our client | raw Netty QUIC | ours/Flupke | ours/raw | " + PYWT + " |");
        line("|---|---|---|---|---|---|---|");
        rateRow("Datagram send rate (packets/s accepted by the API)", new String[]{"datagrams", "send_rate"},
                "pps_median", 0, "14,088");
        rateRow("Datagrams delivered during the burst (packets/s counted by the server)",
                new String[]{"datagrams", "send_rate"}, "delivered_pps_median", 0, "not published");
        StringBuilder loss = new StringBuilder("| Datagram burst loss (%) |");
        for (String t : TARGETS) {
            Object r = sc("datagrams", t, "send_rate");
            loss.append(' ').append(r == null ? "n/a" : f(num(at(r, "loss_percent")), 2)).append(" |");
        }
        line(loss + " | | not published |");
        rateRow("Multiplexing " + at(root, "plan", "muxStreams") + " × 64 KiB (MB/s)", new String[]{"multiplexing"},
                "mbps_median", 1, "36.39");
        rateRow("Connection rate (conn/s)", new String[]{"connection_rate"}, "conn_per_s", 1, "41.48");
        line("");
        StringBuilder cpu = new StringBuilder("Multiplexing CPU seconds per iteration (median), server / client:");
        for (String t : TARGETS) {
            Object r = sc("multiplexing", t);
            cpu.append(' ').append(label(t)).append(' ').append(f(num(at(r, "server_cpu_s_per_iteration")), 2))
                    .append(" / ").append(f(num(at(r, "client_cpu_s_per_iteration")), 2)).append(';');
        }
        line(cpu.substring(0, cpu.length() - 1) + ".");
        line("");
    }

    private void rateRow(String title, String[] path, String key, int decimals, String reference) {
        StringBuilder sb = new StringBuilder("| " + title + " |");
        double[] v = new double[3];
        for (int i = 0; i < 3; i++) {
            String[] full = new String[path.length + 1];
            full[0] = path[0];
            full[1] = TARGETS[i];
            System.arraycopy(path, 1, full, 2, path.length - 1);
            Object r = sc(full);
            Object parent = sc(path[0], TARGETS[i]);
            v[i] = num(at(r, key));
            String st = status(title, TARGETS[i], at(r != null ? r : parent, "status"), at(r != null ? r : parent, "note"));
            sb.append(' ').append(st.equals("n/a") ? "n/a" : f(v[i], decimals) + st).append(" |");
        }
        sb.append(' ').append(ratio(v[0], v[1])).append(" | ").append(ratio(v[0], v[2])).append(" | ").append(reference)
                .append(" |");
        line(sb.toString());
    }

    private void memory() {
        line("### 7. Memory per idle session (server JVM)");
        line("");
        line("A fresh server JVM per target; 10 warm-up sessions; then " + at(root, "plan", "memSessions")
                + " idle sessions opened (" + at(root, "plan", "memConcurrency") + " handshakes at a time), each on its"
                + " own QUIC connection (all three servers allow one session per connection); heap used after"
                + " 3 × System.gc() in the server, VmRSS from /proc/<pid>/status, read before, at each quarter of the"
                + " sessions, and after a 2 s settle. *Overall* = growth ÷ sessions, one-time costs included (JIT"
                + " compilation, heap pages touched for the first time). *Marginal* = least-squares slope over the four"
                + " checkpoints from a quarter of the sessions on: what one more idle session costs once those are paid.");
        line("");
        line("| Target | sessions | heap KiB/session overall · marginal | RSS KiB/session overall · marginal | heap after GC before → after (MiB) | RSS before → after (MiB) | threads before → after |");
        line("|---|---|---|---|---|---|---|");
        for (String t : TARGETS) {
            Object r = sc("memory_idle_sessions", t);
            String st = status("memory", t, at(r, "status"), at(r, "note"));
            line("| " + label(t) + st + " | " + f(num(at(r, "sessions")), 0) + " | " + f(num(at(r, "heap_kb_per_session")), 1)
                    + " · " + f(num(at(r, "marginal_heap_kb_per_session")), 1)
                    + " | " + f(num(at(r, "rss_kb_per_session")), 1)
                    + " · " + f(num(at(r, "marginal_rss_kb_per_session")), 1) + " | "
                    + f(num(at(r, "heap_before_bytes")) / 1048576, 1) + " → " + f(num(at(r, "heap_after_bytes")) / 1048576, 1)
                    + " | " + f(num(at(r, "rss_before_kb")) / 1024, 1) + " → " + f(num(at(r, "rss_after_kb")) / 1024, 1)
                    + " | " + f(num(at(r, "threads_before")), 0) + " → " + f(num(at(r, "threads_after")), 0) + " |");
        }
        line("");
        line("Reference, " + PYWT + ": ~141.66 KB per idle connection — measured as the *client* process's RSS growth"
                + " over 1,000 connections, so it is not the same quantity as the server-side figures above.");
        line("");
    }

    private void large() {
        double large = num(at(root, "plan", "largeBytes"));
        line("### 8. Large transfer: one " + f(large / 1e6, 0) + " MB stream each way (MB/s)");
        line("");
        line("One session per run, " + at(root, "plan", "largeRuns") + " runs per direction (median; Flupke: 1 run), " + f(large, 0) + " bytes"
                + " verified by count and CRC-32 (upload: by the server). Time bound per run: "
                + at(root, "plan", "largeTimeout") + " (Flupke: " + at(root, "plan", "flupkeLargeTimeout")
                + ", because of kwik's send stall). CPU = user+system seconds per run (server from /proc, client from"
                + " the JVM).");
        line("");
        line("| Direction | ours | Flupke server + our client | raw Netty QUIC | ours/Flupke | ours/raw | CPU s per run server / client (ours · Flupke · raw) | pywebtransport |");
        line("|---|---|---|---|---|---|---|---|");
        for (String dir : new String[]{"upload", "download"}) {
            StringBuilder sb = new StringBuilder("| " + dir + " |");
            double[] v = new double[3];
            StringBuilder cpu = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                Object r = sc("large_transfer", TARGETS[i], dir);
                Object parent = sc("large_transfer", TARGETS[i]);
                v[i] = num(at(r, "mbps_median"));
                String st = status("large transfer " + dir, TARGETS[i], at(r != null ? r : parent, "status"),
                        at(r != null ? r : parent, "note"));
                sb.append(' ').append(f(v[i], 1)).append(st).append(" |");
                cpu.append(i == 0 ? "" : " · ").append(f(num(at(r, "server_cpu_s_per_run")), 1)).append(" / ")
                        .append(f(num(at(r, "client_cpu_s_per_run")), 1));
            }
            sb.append(' ').append(ratio(v[0], v[1])).append(" | ").append(ratio(v[0], v[2])).append(" | ").append(cpu)
                    .append(" | not available here |");
            line(sb.toString());
        }
        line("");
    }

    private void jmh() {
        Object j = root.get("jmh");
        if (!(j instanceof Map<?, ?> map)) {
            return;
        }
        line("### Wire codec micro-benchmarks (JMH)");
        line("");
        line(String.valueOf(map.get("settings") == null ? map.get("status") : map.get("settings")) + ".");
        line("");
        line("| Benchmark | score | ± error | unit |");
        line("|---|---|---|---|");
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> r) {
                line("| `" + e.getKey() + "` | " + f(num(r.get("score")), 1) + " | " + f(num(r.get("error")), 1) + " | "
                        + r.get("unit") + " |");
            }
        }
        line("");
    }
}
