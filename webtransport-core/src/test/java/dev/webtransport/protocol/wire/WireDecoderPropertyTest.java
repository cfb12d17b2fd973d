package dev.webtransport.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * Property tests for every decoder of the package: arbitrary and mutated input must never raise
 * anything but {@link WireFormatException}, decoders must not buffer beyond their stated bound,
 * and valid input must round-trip.
 */
class WireDecoderPropertyTest {

    // ---------------------------------------------------------------- VarInt

    @Property
    void varIntRoundTrips(@ForAll @LongRange(min = 0, max = VarInt.MAX_VALUE) long value) {
        byte[] encoded = VarInt.encode(value);
        assertThat(encoded).hasSize(VarInt.encodedLength(value));
        assertThat(VarInt.decode(encoded, 0)).isEqualTo(value);
        ByteBuf buffer = Unpooled.buffer();
        try {
            VarInt.write(buffer, value);
            assertThat(ByteBufUtil.getBytes(buffer)).isEqualTo(encoded);
            assertThat(VarInt.read(buffer)).isEqualTo(value);
            assertThat(buffer.isReadable()).isFalse();
        } finally {
            buffer.release();
        }
    }

    @Property
    void varIntReadOfArbitraryBytesNeverFailsAndNeverOverreads(
            @ForAll @Size(max = 12) byte[] bytes, @ForAll @IntRange(max = 3) int readerOffset) {
        ByteBuf in = Unpooled.buffer();
        try {
            in.writeZero(readerOffset).skipBytes(readerOffset);
            in.writeBytes(bytes);
            int lengthOfNext = VarInt.lengthOfNext(in);
            long peeked = VarInt.peek(in);
            long value = VarInt.read(in);

            assertThat(value).isEqualTo(peeked);
            if (value == VarInt.INCOMPLETE) {
                assertThat(bytes.length).isLessThan(Math.max(lengthOfNext, 1));
                assertThat(in.readerIndex()).isEqualTo(readerOffset);
            } else {
                assertThat(value).isBetween(0L, VarInt.MAX_VALUE);
                assertThat(in.readerIndex()).isEqualTo(readerOffset + lengthOfNext);
                assertThat(VarInt.decode(bytes, 0)).isEqualTo(value);
            }
        } finally {
            in.release();
        }
    }

    @Property
    void varIntDecodeOfArbitraryBytesOnlyThrowsWireFormatException(
            @ForAll @Size(max = 12) byte[] bytes, @ForAll @IntRange(max = 12) int offset) {
        int start = Math.min(offset, bytes.length);
        try {
            long value = VarInt.decode(bytes, start);
            assertThat(value).isBetween(0L, VarInt.MAX_VALUE);
        } catch (WireFormatException e) {
            assertThat(e.errorCode()).isEqualTo(ErrorCodes.H3_FRAME_ERROR);
            assertThat(bytes.length - start).isLessThan(8);
        }
    }

    // ---------------------------------------------------------------- CapsuleDecoder

    @Property
    void capsuleDecoderRestoresValidStreamsUnderAnyChunking(
            @ForAll("capsuleLists") List<Capsule> capsules,
            @ForAll @Size(max = 20) List<@IntRange(max = 40) Integer> chunkSizes) {
        byte[] stream = encodeAll(capsules);
        try (CapsuleDecoder decoder = new CapsuleDecoder(MAX_GENERATED_VALUE)) {
            List<Capsule> decoded = new ArrayList<>();
            for (byte[] chunk : chunk(stream, chunkSizes)) {
                decoded.addAll(decodeChunk(decoder, chunk));
            }
            assertThat(decoded).containsExactlyElementsOf(capsules);
            assertThat(decoder.hasPartialCapsule()).isFalse();
            assertThat(decoder.bytesDecoded()).isEqualTo(stream.length);
        }
    }

    @Property
    void capsuleDecoderOnArbitraryBytesOnlyThrowsWireFormatExceptionAndStaysBounded(
            @ForAll @Size(max = 300) byte[] stream,
            @ForAll @Size(max = 20) List<@IntRange(max = 40) Integer> chunkSizes,
            @ForAll("maxCapsuleLengths") int maxCapsuleLength) {
        decodeHostileStream(stream, chunkSizes, maxCapsuleLength);
    }

    @Property
    void capsuleDecoderOnMutatedStreamsOnlyThrowsWireFormatExceptionAndStaysBounded(
            @ForAll("mutatedCapsuleStreams") byte[] stream,
            @ForAll @Size(max = 20) List<@IntRange(max = 40) Integer> chunkSizes,
            @ForAll("maxCapsuleLengths") int maxCapsuleLength) {
        decodeHostileStream(stream, chunkSizes, maxCapsuleLength);
    }

    // ---------------------------------------------------------------- CloseSessionCapsule

    @Property
    void closeDecodeOfArbitraryValuesOnlyThrowsWireFormatException(@ForAll @Size(max = 1100) byte[] value) {
        checkCloseDecode(value);
    }

    @Property
    void closeDecodeOfMutatedValuesOnlyThrowsWireFormatException(@ForAll("mutatedCloseValues") byte[] value) {
        checkCloseDecode(value);
    }

    @Property
    void closeReasonsAreTruncatedOnCharacterBoundariesAndRoundTrip(
            @ForAll @LongRange(min = 0, max = 0xffffffffL) long code,
            @ForAll("reasons") String reason) {
        CloseSessionCapsule close = new CloseSessionCapsule(code, reason);
        byte[] value = close.encodeValue();

        assertThat(value.length - 4).isLessThanOrEqualTo(CloseSessionCapsule.MAX_REASON_BYTES);
        assertThat(CloseSessionCapsule.decode(value)).isEqualTo(close);
        String kept = close.reason();
        if (!kept.isEmpty()) {
            assertThat(Character.isHighSurrogate(kept.charAt(kept.length() - 1))).isFalse();
        }
        boolean hadUnpairedSurrogate = !reason.equals(new String(reason.getBytes(StandardCharsets.UTF_16),
                StandardCharsets.UTF_16)) || containsUnpairedSurrogate(reason);
        if (!hadUnpairedSurrogate) {
            assertThat(reason).startsWith(kept);
            if (reason.getBytes(StandardCharsets.UTF_8).length <= CloseSessionCapsule.MAX_REASON_BYTES) {
                assertThat(kept).isEqualTo(reason);
            } else {
                int nextCodePoint = reason.codePointAt(kept.length());
                int nextBytes = new String(Character.toChars(nextCodePoint)).getBytes(StandardCharsets.UTF_8).length;
                assertThat(value.length - 4 + nextBytes).isGreaterThan(CloseSessionCapsule.MAX_REASON_BYTES);
            }
        }
    }

    // ---------------------------------------------------------------- HttpDatagram

    @Property
    void datagramSessionIdOfArbitraryBytesOnlyThrowsWireFormatException(@ForAll @Size(max = 12) byte[] datagram) {
        ByteBuf in = Unpooled.copiedBuffer(datagram);
        try {
            long sessionId = HttpDatagram.readSessionId(in);
            assertThat(StreamPreamble.isValidSessionId(sessionId)).isTrue();
            assertThat(in.readerIndex()).isEqualTo(VarInt.lengthFromFirstByte(datagram[0]));
        } catch (WireFormatException e) {
            assertThat(e.errorCode()).isEqualTo(ErrorCodes.H3_DATAGRAM_ERROR);
            assertThat(in.readerIndex()).isZero();
        } finally {
            in.release();
        }
    }

    @Property
    void datagramsRoundTrip(@ForAll @LongRange(min = 0, max = VarInt.MAX_VALUE / 4) long quarterStreamId,
                            @ForAll @Size(max = 64) byte[] payload) {
        long sessionId = quarterStreamId * 4;
        ByteBuf datagram = HttpDatagram.encode(UnpooledByteBufAllocator.DEFAULT, sessionId, payload);
        try {
            assertThat(datagram.readableBytes()).isEqualTo(HttpDatagram.prefixLength(sessionId) + payload.length);
            assertThat(HttpDatagram.readSessionId(datagram)).isEqualTo(sessionId);
            assertThat(ByteBufUtil.getBytes(datagram)).isEqualTo(payload);
        } finally {
            datagram.release();
        }
    }

    // ---------------------------------------------------------------- generators

    private static final int MAX_GENERATED_VALUE = 80;

    @Provide
    Arbitrary<List<Capsule>> capsuleLists() {
        Arbitrary<Long> types = Arbitraries.oneOf(
                Arbitraries.of(CapsuleTypes.CLOSE_WEBTRANSPORT_SESSION, CapsuleTypes.DRAIN_WEBTRANSPORT_SESSION,
                        CapsuleTypes.WT_MAX_DATA, CapsuleTypes.WT_MAX_STREAMS_UNI,
                        CapsuleTypes.REGISTER_DATAGRAM_NO_CONTEXT),
                Arbitraries.longs().between(0, 1_000_000).map(n -> 0x29 * n + 0x17),
                Arbitraries.longs().between(0, VarInt.MAX_VALUE));
        Arbitrary<byte[]> values = Arbitraries.bytes().array(byte[].class).ofMaxSize(MAX_GENERATED_VALUE);
        return Combinators.combine(types, values).as(Capsule::new).list().ofMaxSize(6);
    }

    @Provide
    Arbitrary<Integer> maxCapsuleLengths() {
        return Arbitraries.oneOf(Arbitraries.integers().between(0, 100),
                Arbitraries.just(CapsuleDecoder.DEFAULT_MAX_CAPSULE_LENGTH));
    }

    @Provide
    Arbitrary<byte[]> mutatedCapsuleStreams() {
        return Combinators.combine(capsuleLists().map(WireDecoderPropertyTest::encodeAll), mutations())
                .as(WireDecoderPropertyTest::mutate);
    }

    @Provide
    Arbitrary<byte[]> mutatedCloseValues() {
        Arbitrary<byte[]> valid = Combinators.combine(
                        Arbitraries.longs().between(0, 0xffffffffL), reasons())
                .as((code, reason) -> new CloseSessionCapsule(code, reason).encodeValue());
        return Combinators.combine(valid, mutations()).as(WireDecoderPropertyTest::mutate);
    }

    @Provide
    Arbitrary<String> reasons() {
        Arbitrary<String> mixed = Arbitraries.strings()
                .withCharRange('\u0000', '\u007f')
                .withCharRange('\u0080', '\u07ff')
                .withCharRange('\u0800', '\uffff') // includes unpaired surrogates
                .ofMaxLength(1200);
        Arbitrary<String> supplementary = Arbitraries.strings().withChars("a€\uD83D\uDE00é")
                .ofMinLength(250).ofMaxLength(1100);
        Arbitrary<String> nearLimit = Arbitraries.integers().between(1015, 1026)
                .flatMap(prefix -> Arbitraries.of("é", "€", "\uD83D\uDE00", "x")
                        .map(tail -> "a".repeat(prefix) + tail + tail));
        return Arbitraries.oneOf(mixed, supplementary, nearLimit);
    }

    private Arbitrary<List<Mutation>> mutations() {
        return Combinators.combine(
                        Arbitraries.of(MutationKind.values()),
                        Arbitraries.integers().greaterOrEqual(0),
                        Arbitraries.bytes())
                .as(Mutation::new)
                .list().ofMinSize(1).ofMaxSize(4);
    }

    // ---------------------------------------------------------------- helpers

    private static void decodeHostileStream(byte[] stream, List<Integer> chunkSizes, int maxCapsuleLength) {
        try (CapsuleDecoder decoder = new CapsuleDecoder(maxCapsuleLength)) {
            for (byte[] chunk : chunk(stream, chunkSizes)) {
                try {
                    for (Capsule capsule : decodeChunk(decoder, chunk)) {
                        assertThat(capsule.valueLength()).isLessThanOrEqualTo(maxCapsuleLength);
                    }
                } catch (WireFormatException e) {
                    assertThat(e.errorCode()).isEqualTo(ErrorCodes.H3_MESSAGE_ERROR);
                    assertThat(decoder.bufferedBytes()).isZero();
                    return;
                }
                assertThat(decoder.bufferedBytes())
                        .isLessThanOrEqualTo(CapsuleDecoder.MAX_HEADER_LENGTH + maxCapsuleLength);
                assertThat(decoder.hasPartialCapsule()).isEqualTo(decoder.bufferedBytes() > 0);
            }
            assertThat(decoder.bytesDecoded()).isEqualTo(stream.length);
        }
    }

    /** Feeds one chunk as a DATA payload, checking that it is consumed and not released. */
    private static List<Capsule> decodeChunk(CapsuleDecoder decoder, byte[] chunk) {
        ByteBuf payload = Unpooled.copiedBuffer(chunk);
        try {
            List<Capsule> capsules = decoder.decode(payload);
            assertThat(payload.isReadable()).isFalse();
            return capsules;
        } finally {
            assertThat(payload.refCnt()).isEqualTo(1);
            payload.release();
        }
    }

    private static void checkCloseDecode(byte[] value) {
        try {
            CloseSessionCapsule close = CloseSessionCapsule.decode(value);
            assertThat(close.encodeValue()).isEqualTo(value);
        } catch (WireFormatException e) {
            assertThat(e.errorCode()).isEqualTo(ErrorCodes.H3_MESSAGE_ERROR);
        }
    }

    /** Splits {@code stream} into chunks of the given sizes; the rest becomes the last chunk. */
    private static List<byte[]> chunk(byte[] stream, List<Integer> chunkSizes) {
        List<byte[]> chunks = new ArrayList<>();
        int position = 0;
        for (int size : chunkSizes) {
            int end = Math.min(stream.length, position + size);
            chunks.add(Arrays.copyOfRange(stream, position, end));
            position = end;
        }
        chunks.add(Arrays.copyOfRange(stream, position, stream.length));
        return chunks;
    }

    private static byte[] encodeAll(List<Capsule> capsules) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Capsule capsule : capsules) {
            ByteBuf encoded = CapsuleEncoder.encode(UnpooledByteBufAllocator.DEFAULT, capsule);
            try {
                out.writeBytes(ByteBufUtil.getBytes(encoded));
            } finally {
                encoded.release();
            }
        }
        return out.toByteArray();
    }

    private static boolean containsUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private enum MutationKind { FLIP, SET, INSERT, DELETE, TRUNCATE }

    private record Mutation(MutationKind kind, int position, byte value) {
    }

    private static byte[] mutate(byte[] input, List<Mutation> mutations) {
        byte[] bytes = input;
        for (Mutation mutation : mutations) {
            int length = bytes.length;
            int at = length == 0 ? 0 : mutation.position() % length;
            switch (mutation.kind()) {
                case FLIP -> {
                    if (length > 0) {
                        bytes = bytes.clone();
                        bytes[at] ^= (byte) (1 << (mutation.value() & 7));
                    }
                }
                case SET -> {
                    if (length > 0) {
                        bytes = bytes.clone();
                        bytes[at] = mutation.value();
                    }
                }
                case INSERT -> {
                    int insertAt = mutation.position() % (length + 1);
                    byte[] grown = new byte[length + 1];
                    System.arraycopy(bytes, 0, grown, 0, insertAt);
                    grown[insertAt] = mutation.value();
                    System.arraycopy(bytes, insertAt, grown, insertAt + 1, length - insertAt);
                    bytes = grown;
                }
                case DELETE -> {
                    if (length > 0) {
                        byte[] shrunk = new byte[length - 1];
                        System.arraycopy(bytes, 0, shrunk, 0, at);
                        System.arraycopy(bytes, at + 1, shrunk, at, length - at - 1);
                        bytes = shrunk;
                    }
                }
                case TRUNCATE -> bytes = Arrays.copyOf(bytes, at);
            }
        }
        return bytes;
    }
}
