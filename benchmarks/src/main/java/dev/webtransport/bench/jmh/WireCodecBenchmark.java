package dev.webtransport.bench.jmh;

import dev.webtransport.protocol.wire.Capsule;
import dev.webtransport.protocol.wire.CapsuleDecoder;
import dev.webtransport.protocol.wire.CapsuleEncoder;
import dev.webtransport.protocol.wire.CloseSessionCapsule;
import dev.webtransport.protocol.wire.HttpDatagram;
import dev.webtransport.protocol.wire.StreamPreamble;
import dev.webtransport.protocol.wire.VarInt;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Micro-benchmarks of the wire codecs on the hot paths: varints (every frame, capsule and stream preamble), capsule
 * decoding on the CONNECT stream, and the datagram quarter-stream-id prefix (every datagram, both ways).
 * Short on purpose (1 fork, 1 x 1 s warm-up, 3 x 1 s measurement); the harness may override.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Thread)
public class WireCodecBenchmark {
    /** One value of each encoded length: 1, 2, 4 and 8 bytes. */
    private static final long[] VALUES = {37, 15_293, 494_878_333, 151_288_809_941_952_652L};
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private ByteBuf varints;
    private ByteBuf scratch;
    private ByteBuf closeCapsule;
    private ByteBuf splitFirst;
    private ByteBuf splitSecond;
    private ByteBuf datagram;
    private byte[] payload64;
    private Capsule close;
    private CapsuleDecoder decoder;

    @Setup(Level.Trial)
    public void setUp() {
        varints = Unpooled.directBuffer(32);
        for (long v : VALUES) {
            VarInt.write(varints, v);
        }
        scratch = Unpooled.directBuffer(64);
        close = new CloseSessionCapsule(1234, "client bye").toCapsule();
        closeCapsule = CapsuleEncoder.encode(UnpooledByteBufAllocator.DEFAULT, close);
        // a 1 KiB capsule of an unknown (GREASE-like) type, cut in the middle of its header and of its value
        byte[] value = new byte[1024];
        ByteBuf big = CapsuleEncoder.encode(UnpooledByteBufAllocator.DEFAULT, 0x2a * 0x1fL + 0x21, value);
        int cut = 3;
        splitFirst = big.retainedSlice(0, cut);
        splitSecond = big.retainedSlice(cut, big.readableBytes() - cut);
        big.release();
        payload64 = new byte[64];
        datagram = HttpDatagram.encode(UnpooledByteBufAllocator.DEFAULT, 4, payload64);
        decoder = new CapsuleDecoder();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        varints.release();
        scratch.release();
        closeCapsule.release();
        splitFirst.release();
        splitSecond.release();
        datagram.release();
        decoder.close();
    }

    /** Encodes four varints (1, 2, 4 and 8 bytes long). */
    @Benchmark
    public int varintEncode4() {
        scratch.clear();
        for (long v : VALUES) {
            VarInt.write(scratch, v);
        }
        return scratch.writerIndex();
    }

    /** Decodes four varints (1, 2, 4 and 8 bytes long). */
    @Benchmark
    public long varintDecode4() {
        varints.readerIndex(0);
        long sum = 0;
        for (int i = 0; i < VALUES.length; i++) {
            sum += VarInt.read(varints);
        }
        return sum;
    }

    /** Decodes one CLOSE_WEBTRANSPORT_SESSION capsule (14-byte value) from one DATA payload. */
    @Benchmark
    public Object capsuleDecodeClose() {
        closeCapsule.readerIndex(0);
        List<Capsule> out = decoder.decode(closeCapsule);
        return CloseSessionCapsule.fromCapsule(out.get(0));
    }

    /** Decodes one 1 KiB capsule that arrives in two DATA payloads (split inside the header). */
    @Benchmark
    public int capsuleDecodeSplit1KiB() {
        splitFirst.readerIndex(0);
        splitSecond.readerIndex(0);
        int n = decoder.decode(splitFirst).size();
        return n + decoder.decode(splitSecond).get(0).valueLength();
    }

    /** Encodes a CLOSE_WEBTRANSPORT_SESSION capsule into a pooled buffer. */
    @Benchmark
    public int capsuleEncodeClose() {
        ByteBuf b = CapsuleEncoder.encode(ALLOC, close);
        int n = b.readableBytes();
        b.release();
        return n;
    }

    /** Builds a 64-byte datagram with its quarter-stream-id prefix (pooled buffer, copy of the payload). */
    @Benchmark
    public int datagramEncode64() {
        ByteBuf b = HttpDatagram.encode(ALLOC, 4, payload64);
        int n = b.readableBytes();
        b.release();
        return n;
    }

    /** Reads the quarter-stream-id prefix of a received datagram. */
    @Benchmark
    public long datagramPrefixRead() {
        datagram.readerIndex(0);
        return HttpDatagram.readSessionId(datagram);
    }

    /** Builds the preamble of a WebTransport bidi stream (0x41 + session id). */
    @Benchmark
    public int streamPreambleBidi() {
        ByteBuf b = StreamPreamble.bidi(ALLOC, 4);
        int n = b.readableBytes();
        b.release();
        return n;
    }
}
