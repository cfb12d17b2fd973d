package dev.webtransport.session;

import java.util.Map;
import java.util.Objects;

/** The answer of a {@link WebTransportSessionAcceptor}: accept with a handler, or reject with an HTTP status. */
public sealed interface SessionDecision {

    /** Accepts the session; {@code protocol} is the chosen subprotocol or null. */
    record Accept(WebTransportSessionHandler handler, String protocol, Map<String, String> pathVariables)
            implements SessionDecision {
        public Accept {
            Objects.requireNonNull(handler, "handler");
            pathVariables = Map.copyOf(pathVariables);
        }
    }

    /** Rejects the session with a non-2xx status; no session state is kept. */
    record Reject(int status, String reason) implements SessionDecision {
        public Reject {
            if (status < 300 || status > 599) {
                throw new IllegalArgumentException("a rejection needs a 3xx-5xx status, got " + status);
            }
            reason = reason == null ? "" : reason;
        }
    }

    static SessionDecision accept(WebTransportSessionHandler handler) {
        return new Accept(handler, null, Map.of());
    }

    static SessionDecision reject(int status, String reason) {
        return new Reject(status, reason);
    }
}
