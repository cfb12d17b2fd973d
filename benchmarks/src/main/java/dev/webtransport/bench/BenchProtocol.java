package dev.webtransport.bench;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;

/**
 * The tiny application protocol every benchmark server (ours, Flupke, raw QUIC) speaks on a client-opened
 * bidirectional stream. The client's first 9 bytes are a header: one mode byte and a big-endian 8-byte argument.
 *
 * <ul>
 *   <li>{@link #ECHO} {@code 'E'}: everything after the header is echoed; the server ends its side when the client
 *       ends its side.</li>
 *   <li>{@link #UPLOAD} {@code 'U'}: the server reads until the client's FIN, then answers 16 bytes (byte count and
 *       CRC-32 of what it received) and FIN. The client compares both with what it sent.</li>
 *   <li>{@link #DOWNLOAD} {@code 'D'}: the server sends {@code argument} bytes of {@link #fill pattern} and FIN.</li>
 *   <li>{@link #STATS} {@code 'S'}: the server answers 8 bytes, the number of datagrams it received on this
 *       session (raw QUIC: on this connection), and FIN.</li>
 * </ul>
 *
 * <p>Datagrams: the first payload byte {@link #DGRAM_PING} {@code 'P'} asks for an echo; any other first byte is only
 * counted (the send-rate burst).
 *
 * <p>Stream data is a deterministic pattern: byte {@code o} of a stream is {@code BASE[o mod 65536] ^ (o >>> 16)}, so
 * every 64 KiB block differs and a lost, duplicated or reordered block changes the CRC-32.
 */
public final class BenchProtocol {
    public static final byte ECHO = 'E';
    public static final byte UPLOAD = 'U';
    public static final byte DOWNLOAD = 'D';
    public static final byte STATS = 'S';
    public static final byte DGRAM_PING = 'P';
    public static final byte DGRAM_BURST = 'B';
    public static final int HEADER_LENGTH = 9;
    /** Path of the benchmark endpoint on both WebTransport servers. */
    public static final String PATH = "/bench";
    /** ALPN of the raw QUIC server (no HTTP/3 on it). */
    public static final String RAW_ALPN = "wtbench-raw";
    /** Chunk size used by every writer (client and servers). */
    public static final int CHUNK = 64 * 1024;

    private static final int BASE_LENGTH = 1 << 16;
    private static final byte[] BASE = new byte[BASE_LENGTH];
    private static final Map<Long, Long> EXPECTED_CRC = new ConcurrentHashMap<>();

    static {
        new SplittableRandom(0x5eed_0fL).nextBytes(BASE);
    }

    private BenchProtocol() {
    }

    /** The 9-byte header. */
    public static byte[] header(byte mode, long argument) {
        return ByteBuffer.allocate(HEADER_LENGTH).put(mode).putLong(argument).array();
    }

    /** Fills {@code dst[off, off+len)} with the pattern bytes at stream offsets {@code streamOffset...}. */
    public static void fill(long streamOffset, byte[] dst, int off, int len) {
        int i = 0;
        while (i < len) {
            long o = streamOffset + i;
            int inBase = (int) (o & (BASE_LENGTH - 1));
            int run = Math.min(len - i, BASE_LENGTH - inBase);
            byte k = (byte) ((o >>> 16) * 0x9d);
            for (int j = 0; j < run; j++) {
                dst[off + i + j] = (byte) (BASE[inBase + j] ^ k);
            }
            i += run;
        }
    }

    /** A new array with the pattern bytes at {@code [streamOffset, streamOffset+len)}. */
    public static byte[] chunk(long streamOffset, int len) {
        byte[] b = new byte[len];
        fill(streamOffset, b, 0, len);
        return b;
    }

    /** CRC-32 of the first {@code length} pattern bytes (cached). */
    public static long expectedCrc(long length) {
        return EXPECTED_CRC.computeIfAbsent(length, n -> {
            CRC32 crc = new CRC32();
            byte[] buf = new byte[CHUNK];
            for (long o = 0; o < n; o += CHUNK) {
                int len = (int) Math.min(CHUNK, n - o);
                fill(o, buf, 0, len);
                crc.update(buf, 0, len);
            }
            return crc.getValue();
        });
    }

    /** The 16-byte upload answer: count then CRC-32. */
    public static byte[] uploadAnswer(long count, long crc) {
        return ByteBuffer.allocate(16).putLong(count).putLong(crc).array();
    }

    /** Accumulates the 9-byte header from arbitrary chunks. */
    public static final class HeaderParser {
        private final byte[] header = new byte[HEADER_LENGTH];
        private int filled;

        /** Consumes header bytes from {@code buf}; returns true once the header is complete (rest stays in buf). */
        public boolean feed(ByteBuffer buf) {
            int n = Math.min(HEADER_LENGTH - filled, buf.remaining());
            buf.get(header, filled, n);
            filled += n;
            return filled == HEADER_LENGTH;
        }

        public boolean complete() {
            return filled == HEADER_LENGTH;
        }

        public byte mode() {
            return header[0];
        }

        public long argument() {
            return ByteBuffer.wrap(header, 1, 8).getLong();
        }
    }
}
