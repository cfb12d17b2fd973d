package dev.webtransport.sample;

import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.WebTransportSession;
import org.springframework.stereotype.Component;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The last closed sessions (code, reason, who closed), shown on the page and at {@code GET /api/closed-sessions}. */
@Component
public class SessionLog {
    private static final int CAPACITY = 50;
    private final Deque<Map<String, Object>> closed = new ArrayDeque<>();

    public synchronized void record(WebTransportSession session, SessionCloseInfo info) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("path", session.path());
        e.put("sessionId", session.sessionId());
        e.put("code", info.code());
        e.put("reason", info.reason());
        e.put("closedBy", info.byPeer() ? "client" : "server");
        closed.addFirst(e);
        while (closed.size() > CAPACITY) {
            closed.removeLast();
        }
    }

    public synchronized List<Map<String, Object>> recent() {
        return new ArrayList<>(closed);
    }
}
