package dev.webtransport.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark server in its own JVM ({@code dev.webtransport.bench.server.ServerMain}), started with this JVM's
 * class path and JVM flags, controlled over its stdin/stdout, stopped by its own PID.
 */
final class ServerProcess implements AutoCloseable {
    /** Memory of the server process: heap after full GCs (from the server) and VmRSS (from /proc). */
    record Memory(long heapUsed, long heapCommitted, long nonHeapUsed, int threads, long rssKb) {
    }

    private final String target;
    private final Process process;
    private final BlockingQueue<String> control = new LinkedBlockingQueue<>();
    private final Writer stdin;
    private final int port;
    private final String certificateHash;
    private final Path log;

    private ServerProcess(String target, Process process, Path log) throws IOException, InterruptedException {
        this.target = target;
        this.process = process;
        this.log = log;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("@@")) {
                        control.add(line.substring(2));
                    } else {
                        System.err.println("[server " + target + "] " + line);
                    }
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, "server-" + target + "-stdout");
        reader.setDaemon(true);
        reader.start();
        String ready = expect("READY", 30);
        String[] parts = ready.split(" ");
        this.port = Integer.parseInt(parts[1]);
        this.certificateHash = parts[2];
    }

    /** The JVM flags given to every server JVM: this JVM's own input arguments minus agent/debug flags. */
    static List<String> jvmFlags() {
        List<String> flags = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Dbench.snapshot")) {
                flags.add(a);
            }
        }
        return flags;
    }

    static ServerProcess start(String target, Path logDir) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.webtransport.bench.server.ServerMain");
        cmd.add(target);
        Files.createDirectories(logDir);
        Path log = Files.createTempFile(logDir, "server-" + target + "-", ".log");
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        try {
            return new ServerProcess(target, p, log);
        } catch (IOException | RuntimeException | InterruptedException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    int port() {
        return port;
    }

    String certificateHash() {
        return certificateHash;
    }

    long pid() {
        return process.pid();
    }

    private String expect(String keyword, int seconds) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left > 0 ? control.poll(Math.min(left, 200_000_000L), TimeUnit.NANOSECONDS) : null;
            if (line == null && left > 0 && process.isAlive()) {
                continue;
            }
            if (line == null) {
                throw new IOException("server " + target + " did not answer " + keyword + " within " + seconds
                        + " s (alive=" + process.isAlive() + ", log " + log + ")");
            }
            if (line.startsWith(keyword)) {
                return line;
            }
        }
    }

    private synchronized void send(String command) throws IOException {
        stdin.write(command + "\n");
        stdin.flush();
    }

    /** Two-three full GCs in the server, then heap figures and VmRSS. */
    Memory memory() throws IOException, InterruptedException {
        send("MEM");
        String[] p = expect("MEM", 60).split(" ");
        return new Memory(Long.parseLong(p[1]), Long.parseLong(p[2]), Long.parseLong(p[3]), Integer.parseInt(p[4]),
                rssKb(process.pid()));
    }

    /** VmRSS of a process in KiB from /proc/&lt;pid&gt;/status, or -1. */
    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux or gone
        }
        return -1;
    }

    /** User+system CPU seconds of the server process from /proc/&lt;pid&gt;/stat (clock ticks of 1/100 s). */
    double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        try {
            send("QUIT");
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(8, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
