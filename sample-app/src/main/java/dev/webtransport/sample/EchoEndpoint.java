package dev.webtransport.sample;

import dev.webtransport.autoconfigure.WebTransportHandler;
import dev.webtransport.autoconfigure.annotation.WebTransportEndpoint;
import dev.webtransport.protocol.StreamException;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportReceiveStream;
import dev.webtransport.session.WebTransportSendStream;
import dev.webtransport.session.WebTransportSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code /echo}, written against the programmatic {@link WebTransportHandler} interface: bidirectional streams are
 * echoed as they arrive (any size, with backpressure; a reset by the client is answered with a reset carrying the same
 * code), a unidirectional stream is answered on a server
 * unidirectional stream, datagrams are echoed. A unidirectional stream reading {@code !close <code> <reason>} makes
 * the server close the session with that code and reason.
 */
@WebTransportEndpoint("/echo")
public class EchoEndpoint implements WebTransportHandler {
    private static final Logger LOG = LoggerFactory.getLogger(EchoEndpoint.class);
    private final SessionLog sessionLog;

    public EchoEndpoint(SessionLog sessionLog) {
        this.sessionLog = sessionLog;
    }

    @Override
    public void onOpen(WebTransportSession session) {
        LOG.info("echo session {} opened from {}", session.sessionId(), session.remoteAddress());
    }

    @Override
    public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
        pump(stream, stream).exceptionally(e -> {
            // The peer reset its send side (or the session went away): reset ours with the same code, so the peer's
            // reader ends instead of waiting for an echo that will never finish.
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            long code = cause instanceof StreamException se ? se.errorCode() : 0;
            LOG.debug("echo stream of session {} failed ({}); resetting it with code {}", session.sessionId(), cause,
                    code);
            if (session.isOpen()) {
                stream.reset(code);
            }
            return null;
        });
    }

    @Override
    public void onUnidirectionalStream(WebTransportSession session, WebTransportReceiveStream stream) {
        stream.readAll().thenCompose(bytes -> {
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (text.startsWith("!close ")) {
                String[] parts = text.split(" ", 3);
                return session.close(Long.parseLong(parts[1]), parts.length > 2 ? parts[2] : "");
            }
            return session.openUnidirectionalStream().thenCompose(out -> out.write(bytes, true));
        });
    }

    @Override
    public void onDatagram(WebTransportSession session, byte[] payload) {
        session.sendDatagram(payload);
    }

    @Override
    public void onClose(WebTransportSession session, SessionCloseInfo closeInfo) {
        sessionLog.record(session, closeInfo);
        LOG.info("echo session {} closed: code {} reason '{}' by {}", session.sessionId(), closeInfo.code(),
                closeInfo.reason(), closeInfo.byPeer() ? "client" : "server");
    }

    private static CompletableFuture<Void> pump(WebTransportReceiveStream in, WebTransportSendStream out) {
        return in.read().thenCompose(chunk -> chunk == null ? out.end() : out.write(chunk).thenCompose(v -> pump(in, out)));
    }
}
