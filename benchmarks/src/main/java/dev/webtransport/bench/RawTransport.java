package dev.webtransport.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;

/**
 * UDP transport of the raw QUIC ceiling. Default: NIO with OS socket buffers, exactly what our engine uses, so the
 * ceiling differs from ours only by the HTTP/3 + WebTransport layer. Tuning experiments (system properties, passed on
 * to the server JVMs): {@code -Dbench.raw.transport=epoll} (native epoll with UDP GSO for sending and GRO + recvmmsg
 * for receiving) and {@code -Dbench.raw.sockbuf=BYTES} (SO_RCVBUF/SO_SNDBUF).
 */
public final class RawTransport {
    public static final boolean EPOLL = "epoll".equals(System.getProperty("bench.raw.transport"))
            && Epoll.isAvailable();
    public static final int SOCKBUF = Integer.getInteger("bench.raw.sockbuf", 0);
    public static final boolean GRO = Boolean.parseBoolean(System.getProperty("bench.raw.gro", "true"));

    private RawTransport() {
    }

    public static String describe() {
        return (EPOLL ? (GRO ? "epoll + GSO/GRO" : "epoll + GSO") : "NIO") + (SOCKBUF > 0 ? ", socket buffers " + SOCKBUF + " B" : "");
    }

    public static EventLoopGroup group() {
        return new MultiThreadIoEventLoopGroup(1, EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    public static Bootstrap bootstrap(EventLoopGroup group) {
        Bootstrap b = new Bootstrap().group(group).channel(EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class);
        if (SOCKBUF > 0) {
            b.option(ChannelOption.SO_RCVBUF, SOCKBUF).option(ChannelOption.SO_SNDBUF, SOCKBUF);
        }
        if (EPOLL && GRO) {
            // coalesced receives can be up to 64 KiB: the receive buffer must hold them (no recvmmsg size limit)
            b.option(EpollChannelOption.UDP_GRO, true)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(64 * 1024));
        }
        return b;
    }

    /** GSO for QUIC's sends (up to 16 packets per sendmsg) when on epoll. */
    public static SegmentedDatagramPacketAllocator segments() {
        return EPOLL ? EpollQuicUtils.newSegmentedAllocator(16) : SegmentedDatagramPacketAllocator.NONE;
    }
}
