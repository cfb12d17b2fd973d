package dev.webtransport.sample;

import dev.webtransport.autoconfigure.annotation.OnClose;
import dev.webtransport.autoconfigure.annotation.OnDatagram;
import dev.webtransport.autoconfigure.annotation.OnOpen;
import dev.webtransport.autoconfigure.annotation.OnSessionRequest;
import dev.webtransport.autoconfigure.annotation.OnUnidirectionalStream;
import dev.webtransport.autoconfigure.annotation.PathVariable;
import dev.webtransport.autoconfigure.annotation.WebTransportEndpoint;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.WebTransportSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code /chat/{room}}, written with annotated methods: each chat message arrives on a client unidirectional stream
 * and is fanned out to every session in the room on a server unidirectional stream (reliable, ordered per message);
 * presence and typing notices arrive as datagrams and are fanned out as datagrams (unreliable, never queued).
 */
@WebTransportEndpoint("/chat/{room}")
public class ChatEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(ChatEndpoint.class);
    private static final int MAX_MESSAGE_BYTES = 4096;
    private static final int MAX_ROOM_NAME = 32;
    private final Map<String, Set<WebTransportSession>> rooms = new ConcurrentHashMap<>();
    private final SessionLog sessionLog;

    public ChatEndpoint(SessionLog sessionLog) {
        this.sessionLog = sessionLog;
    }

    @OnSessionRequest
    boolean admit(@PathVariable("room") String room) {
        return room.length() <= MAX_ROOM_NAME && room.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-');
    }

    @OnOpen
    void join(WebTransportSession session, @PathVariable("room") String room) {
        rooms.computeIfAbsent(room, r -> ConcurrentHashMap.newKeySet()).add(session);
        broadcast(room, "* someone joined " + room + " (" + rooms.get(room).size() + " here)");
    }

    @OnUnidirectionalStream
    void message(WebTransportSession session, byte[] body, @PathVariable("room") String room) {
        if (body.length == 0 || body.length > MAX_MESSAGE_BYTES) {
            return;
        }
        broadcast(room, new String(body, StandardCharsets.UTF_8));
    }

    @OnDatagram
    void presence(WebTransportSession session, byte[] payload, @PathVariable("room") String room) {
        for (WebTransportSession other : rooms.getOrDefault(room, Set.of())) {
            if (other != session && other.isOpen() && payload.length <= other.maxDatagramSize()) {
                other.sendDatagram(payload);
            }
        }
    }

    @OnClose
    void leave(WebTransportSession session, SessionCloseInfo info, @PathVariable("room") String room) {
        sessionLog.record(session, info);
        Set<WebTransportSession> members = rooms.get(room);
        if (members != null) {
            members.remove(session);
            if (members.isEmpty()) {
                rooms.remove(room, members);
            } else {
                broadcast(room, "* someone left " + room + " (" + members.size() + " here)");
            }
        }
    }

    private void broadcast(String room, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (WebTransportSession member : rooms.getOrDefault(room, Set.of())) {
            if (member.isOpen()) {
                member.openUnidirectionalStream().thenCompose(s -> s.write(bytes, true)).exceptionally(e -> {
                    LOG.debug("chat delivery to session {} failed: {}", member.sessionId(), e.toString());
                    return null;
                });
            }
        }
    }
}
