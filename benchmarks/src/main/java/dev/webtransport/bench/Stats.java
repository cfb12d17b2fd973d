package dev.webtransport.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Order statistics of samples. */
public final class Stats {
    private Stats() {
    }

    /** min / p50 / p99 / max of latency samples, in milliseconds. */
    public record Latency(double min, double p50, double p99, double max, int samples) implements Json.Jsonable {
        public static Latency ofNanos(long[] nanos, int n) {
            if (n == 0) {
                return new Latency(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
            }
            long[] s = Arrays.copyOf(nanos, n);
            Arrays.sort(s);
            return new Latency(s[0] / 1e6, percentile(s, 0.50) / 1e6, percentile(s, 0.99) / 1e6, s[n - 1] / 1e6, n);
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("min_ms", min);
            m.put("p50_ms", p50);
            m.put("p99_ms", p99);
            m.put("max_ms", max);
            m.put("samples", samples);
            return m;
        }
    }

    /** Nearest-rank percentile of a sorted array. */
    static double percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    public static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    public static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    public static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** Least-squares slope of {@code y} over {@code x}; NaN with fewer than two distinct points. */
    public static double slope(List<Integer> x, List<Double> y) {
        int n = Math.min(x.size(), y.size());
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x.get(i);
            my += y.get(i);
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x.get(i) - mx) * (y.get(i) - my);
            sxx += (x.get(i) - mx) * (x.get(i) - mx);
        }
        return n < 2 || sxx == 0 ? Double.NaN : sxy / sxx;
    }
}
