package dev.webtransport.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import java.util.function.Consumer;

/** Small helpers for tests that handle buffers. */
final class ByteBufs {

    private ByteBufs() {
    }

    /** Parses hex with optional spaces, e.g. {@code "40 41 00"}. */
    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    /** The readable bytes of {@code buffer} as an array, without moving its reader index. */
    static byte[] bytes(ByteBuf buffer) {
        return ByteBufUtil.getBytes(buffer);
    }

    /** Returns the readable bytes of {@code buffer} and releases it. */
    static byte[] bytesAndRelease(ByteBuf buffer) {
        try {
            return bytes(buffer);
        } finally {
            buffer.release();
        }
    }

    /** Runs {@code body} with a fresh buffer wrapping a copy of {@code bytes}, releasing it afterwards. */
    static void withBuffer(byte[] bytes, Consumer<ByteBuf> body) {
        ByteBuf buffer = Unpooled.copiedBuffer(bytes);
        try {
            body.accept(buffer);
        } finally {
            buffer.release();
        }
    }
}
