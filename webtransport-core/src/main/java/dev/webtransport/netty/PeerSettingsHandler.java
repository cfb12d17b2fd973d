package dev.webtransport.netty;

import dev.webtransport.protocol.QuicEvent;
import dev.webtransport.protocol.WebTransportProtocolHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http3.Http3GoAwayFrame;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.util.ReferenceCountUtil;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sits on the peer's HTTP/3 control stream (Netty's only hook for it) and records the peer's SETTINGS, non-standard
 * ids included, and GOAWAY.
 */
public final class PeerSettingsHandler extends ChannelInboundHandlerAdapter {
    private final WebTransportProtocolHandler handler;

    public PeerSettingsHandler(WebTransportProtocolHandler handler) {
        this.handler = handler;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http3SettingsFrame settings) {
                Map<Long, Long> copy = new LinkedHashMap<>();
                for (Map.Entry<Long, Long> e : settings.settings()) {
                    copy.put(e.getKey(), e.getValue());
                }
                handler.handleQuicEvent(new QuicEvent.PeerSettingsReceived(copy));
            } else if (msg instanceof Http3GoAwayFrame goAway) {
                handler.handleQuicEvent(new QuicEvent.GoAwayReceived(goAway.id()));
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public boolean isSharable() {
        return true;
    }
}
