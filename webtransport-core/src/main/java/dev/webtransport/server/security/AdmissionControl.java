package dev.webtransport.server.security;

import dev.webtransport.session.SessionDecision;
import dev.webtransport.session.SessionRequest;
import dev.webtransport.session.WebTransportSessionAcceptor;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Server-wide admission limits applied before the application's acceptor: a total session cap (429) and a CONNECT
 * rate per source address (token bucket, 429). Each rejection is counted by reason.
 */
public final class AdmissionControl implements WebTransportSessionAcceptor {
    /** Why a request or connection was turned away. */
    public enum Reason { MAX_CONNECTIONS, MAX_SESSIONS, RATE_LIMITED }

    private final WebTransportSessionAcceptor delegate;
    private final int maxSessions;
    private final double requestsPerSecond;
    private final double burst;
    private final IntSupplier activeSessions;
    private final Map<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<Reason, LongAdder> rejections;

    /**
     * @param delegate          the application's acceptor
     * @param maxSessions       sessions allowed at once across the server (0 = unlimited)
     * @param requestsPerSecond CONNECT requests allowed per second and source address (0 = unlimited)
     * @param activeSessions    current session count
     * @param rejections        where rejections are counted
     */
    public AdmissionControl(WebTransportSessionAcceptor delegate, int maxSessions, double requestsPerSecond,
                            IntSupplier activeSessions, Map<Reason, LongAdder> rejections) {
        this.delegate = delegate;
        this.maxSessions = maxSessions;
        this.requestsPerSecond = requestsPerSecond;
        this.burst = Math.max(1, requestsPerSecond);
        this.activeSessions = activeSessions;
        this.rejections = rejections;
    }

    @Override
    public SessionDecision decide(SessionRequest request) throws Exception {
        if (requestsPerSecond > 0 && request.remoteAddress() instanceof InetSocketAddress isa
                && !take(isa.getAddress())) {
            rejections.get(Reason.RATE_LIMITED).increment();
            return new SessionDecision.Reject(429, "too many session requests from this address");
        }
        if (maxSessions > 0 && activeSessions.getAsInt() >= maxSessions) {
            rejections.get(Reason.MAX_SESSIONS).increment();
            return new SessionDecision.Reject(429, "server is at its session limit");
        }
        return delegate.decide(request);
    }

    private boolean take(InetAddress address) {
        long now = System.nanoTime();
        if (buckets.size() > 10_000) {
            evictIdle(now);
        }
        Bucket b = buckets.computeIfAbsent(address, a -> new Bucket(burst, now));
        synchronized (b) {
            double refill = (now - b.lastNanos) / 1e9 * requestsPerSecond;
            b.tokens = Math.min(burst, b.tokens + refill);
            b.lastNanos = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return true;
            }
            return false;
        }
    }

    private void evictIdle(long now) {
        for (Iterator<Map.Entry<InetAddress, Bucket>> it = buckets.entrySet().iterator(); it.hasNext(); ) {
            if (now - it.next().getValue().lastNanos > 60_000_000_000L) {
                it.remove();
            }
        }
    }

    private static final class Bucket {
        double tokens;
        long lastNanos;

        Bucket(double tokens, long lastNanos) {
            this.tokens = tokens;
            this.lastNanos = lastNanos;
        }
    }
}
