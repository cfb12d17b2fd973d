package dev.webtransport.testing;

import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportReceiveStream;
import dev.webtransport.session.WebTransportSendStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Test endpoint: echoes bidi streams, answers a uni stream with a server uni stream carrying the same bytes, echoes
 * datagrams, and records how sessions closed.
 */
public class EchoHandler implements WebTransportSessionHandler {
    public final BlockingQueue<SessionCloseInfo> closes = new LinkedBlockingQueue<>();
    public final BlockingQueue<WebTransportSession> opened = new LinkedBlockingQueue<>();
    public final BlockingQueue<Throwable> streamErrors = new LinkedBlockingQueue<>();

    @Override
    public void onOpen(WebTransportSession session) {
        opened.add(session);
    }

    @Override
    public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
        pump(stream, stream).exceptionally(e -> {
            streamErrors.add(e);
            return null;
        });
    }

    @Override
    public void onUnidirectionalStream(WebTransportSession session, WebTransportReceiveStream stream) {
        stream.readAll().thenCompose(bytes -> session.openUnidirectionalStream()
                        .thenCompose(out -> out.write(bytes, true)))
                .exceptionally(e -> {
                    streamErrors.add(e);
                    return null;
                });
    }

    @Override
    public void onDatagram(WebTransportSession session, byte[] payload) {
        session.sendDatagram(payload);
    }

    @Override
    public void onClose(WebTransportSession session, SessionCloseInfo closeInfo) {
        closes.add(closeInfo);
    }

    /** Copies {@code in} to {@code out} chunk by chunk, ending {@code out} when {@code in} ends. */
    public static CompletableFuture<Void> pump(WebTransportReceiveStream in, WebTransportSendStream out) {
        return in.read().thenCompose(chunk -> chunk == null ? out.end()
                : out.write(chunk).thenCompose(v -> pump(in, out)));
    }
}
