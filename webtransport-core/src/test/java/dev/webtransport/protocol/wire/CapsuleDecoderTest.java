package dev.webtransport.protocol.wire;

import static dev.webtransport.protocol.wire.ByteBufs.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapsuleDecoderTest {

    /** Chromium 156: close with code 4242, reason "client-bye". */
    private static final byte[] CHROMIUM_CLOSE = hex("68 43 0e 00 00 10 92 63 6c 69 65 6e 74 2d 62 79 65");
    /** Flupke 0.9.4: close() with code 0 and no reason. */
    private static final byte[] FLUPKE_CLOSE = hex("68 43 04 00 00 00 00");
    /** A GREASE capsule (type 0x29 * 100 + 0x17 = 0x101b) with three bytes. */
    private static final byte[] GREASE = hex("50 1b 03 aa bb cc");
    /** DRAIN_WEBTRANSPORT_SESSION, empty; 0x78ae needs the four-byte varint form. */
    private static final byte[] DRAIN = hex("80 00 78 ae 00");
    /** REGISTER_DATAGRAM_NO_CONTEXT as QUICHE sends it. */
    private static final byte[] REGISTER_DATAGRAM_NO_CONTEXT = hex("80 ff 37 a2 04 80 ff 7c 00");

    private static final List<Capsule> ALL_CAPSULES = List.of(
            new Capsule(0x101b, hex("aa bb cc")),
            new Capsule(CapsuleTypes.DRAIN_WEBTRANSPORT_SESSION, new byte[0]),
            new Capsule(CapsuleTypes.REGISTER_DATAGRAM_NO_CONTEXT, hex("80 ff 7c 00")),
            new Capsule(CapsuleTypes.CLOSE_WEBTRANSPORT_SESSION, hex("00 00 10 92 63 6c 69 65 6e 74 2d 62 79 65")),
            new Capsule(CapsuleTypes.CLOSE_WEBTRANSPORT_SESSION, hex("00 00 00 00")));

    @Test
    void decodesChromiumsCloseCapsule() {
        List<Capsule> capsules = decodeInChunks(CapsuleDecoder.DEFAULT_MAX_CAPSULE_LENGTH, CHROMIUM_CLOSE);

        assertThat(capsules).hasSize(1);
        assertThat(capsules.get(0).type()).isEqualTo(CapsuleTypes.CLOSE_WEBTRANSPORT_SESSION);
        assertThat(CloseSessionCapsule.fromCapsule(capsules.get(0)))
                .isEqualTo(new CloseSessionCapsule(4242, "client-bye"));
    }

    @Test
    void decodesFlupkesCloseCapsule() {
        List<Capsule> capsules = decodeInChunks(CapsuleDecoder.DEFAULT_MAX_CAPSULE_LENGTH, FLUPKE_CLOSE);

        assertThat(capsules).containsExactly(new Capsule(0x2843, hex("00 00 00 00")));
        assertThat(CloseSessionCapsule.decode(capsules.get(0).value())).isEqualTo(new CloseSessionCapsule(0, ""));
    }

    @Test
    void decodesSeveralCapsulesInOneDataFrame() {
        assertThat(decodeInChunks(CapsuleDecoder.DEFAULT_MAX_CAPSULE_LENGTH, allCapsuleBytes()))
                .containsExactlyElementsOf(ALL_CAPSULES);
    }

    @Test
    void decodesAcrossDataFramesAtEverySplitPoint() {
        byte[] stream = allCapsuleBytes();
        for (int split = 0; split <= stream.length; split++) {
            byte[] first = Arrays.copyOfRange(stream, 0, split);
            byte[] second = Arrays.copyOfRange(stream, split, stream.length);
            assertThat(decodeInChunks(64, first, second)).as("split at %d", split)
                    .containsExactlyElementsOf(ALL_CAPSULES);
        }
    }

    @Test
    void decodesAcrossThreeDataFramesAtEveryPairOfSplitPoints() {
        byte[] stream = allCapsuleBytes();
        for (int a = 0; a <= stream.length; a++) {
            for (int b = a; b <= stream.length; b++) {
                byte[] first = Arrays.copyOfRange(stream, 0, a);
                byte[] second = Arrays.copyOfRange(stream, a, b);
                byte[] third = Arrays.copyOfRange(stream, b, stream.length);
                assertThat(decodeInChunks(64, first, second, third)).as("split at %d and %d", a, b)
                        .containsExactlyElementsOf(ALL_CAPSULES);
            }
        }
    }

    @Test
    void decodesOneByteAtATime() {
        byte[] stream = allCapsuleBytes();
        byte[][] chunks = new byte[stream.length][];
        for (int i = 0; i < stream.length; i++) {
            chunks[i] = new byte[] {stream[i]};
        }
        assertThat(decodeInChunks(64, chunks)).containsExactlyElementsOf(ALL_CAPSULES);
    }

    @Test
    void reportsPartialCapsuleWhileASplitCapsuleIsIncomplete() {
        try (CapsuleDecoder decoder = new CapsuleDecoder(64)) {
            for (int cut = 1; cut < CHROMIUM_CLOSE.length; cut++) {
                assertThat(feed(decoder, Arrays.copyOfRange(CHROMIUM_CLOSE, 0, cut))).isEmpty();
                assertThat(decoder.hasPartialCapsule()).as("after %d bytes", cut).isTrue();
                assertThat(decoder.bufferedBytes()).isEqualTo(cut);
                assertThat(feed(decoder, Arrays.copyOfRange(CHROMIUM_CLOSE, cut, CHROMIUM_CLOSE.length)))
                        .hasSize(1);
                assertThat(decoder.hasPartialCapsule()).isFalse();
                assertThat(decoder.bufferedBytes()).isZero();
            }
            assertThat(decoder.bytesDecoded()).isEqualTo((long) CHROMIUM_CLOSE.length * (CHROMIUM_CLOSE.length - 1));
        }
    }

    @Test
    void truncatedStreamLeavesAPartialCapsule() {
        try (CapsuleDecoder decoder = new CapsuleDecoder()) {
            assertThat(feed(decoder, FLUPKE_CLOSE, Arrays.copyOf(CHROMIUM_CLOSE, 1)))
                    .containsExactly(new Capsule(0x2843, hex("00 00 00 00")));
            assertThat(decoder.hasPartialCapsule()).isTrue();
            assertThat(decoder.bytesDecoded()).isEqualTo(FLUPKE_CLOSE.length + 1);
        }
    }

    @Test
    void emptyDataFramesAreHarmless() {
        try (CapsuleDecoder decoder = new CapsuleDecoder()) {
            assertThat(feed(decoder, new byte[0])).isEmpty();
            assertThat(decoder.hasPartialCapsule()).isFalse();
            assertThat(decoder.bytesDecoded()).isZero();
        }
    }

    @Test
    void returnsGreaseAndUnknownTypesAsPlainCapsules() {
        byte[] unknownEightByteType = hex("c0 00 00 00 12 34 56 78 02 01 02");
        List<Capsule> capsules = decodeInChunks(64, GREASE, unknownEightByteType, REGISTER_DATAGRAM_NO_CONTEXT);

        assertThat(capsules).containsExactly(
                new Capsule(0x101b, hex("aa bb cc")),
                new Capsule(0x12345678L, hex("01 02")),
                new Capsule(0xff37a2L, hex("80 ff 7c 00")));
        assertThat(CapsuleTypes.isGrease(capsules.get(0).type())).isTrue();
    }

    @Test
    void acceptsNonMinimalHeaderEncodings() {
        byte[] nonMinimal = hex("c0 00 00 00 00 00 28 43 c0 00 00 00 00 00 00 04 00 00 00 07");
        assertThat(decodeInChunks(64, nonMinimal)).containsExactly(new Capsule(0x2843, hex("00 00 00 07")));
    }

    @Test
    void acceptsACapsuleOfExactlyTheMaximumLength() {
        byte[] value = new byte[300];
        Arrays.fill(value, (byte) 7);
        byte[] encoded = concat(hex("17 41 2c"), value);
        assertThat(decodeInChunks(300, encoded)).containsExactly(new Capsule(0x17, value));
    }

    @Test
    void rejectsADeclaredLengthAboveTheMaximum() {
        try (CapsuleDecoder decoder = new CapsuleDecoder(16)) {
            ByteBuf payload = Unpooled.copiedBuffer(hex("68 43 11 00 00 00 00 ff ff"));
            try {
                assertThatThrownBy(() -> decoder.decode(payload))
                        .isInstanceOfSatisfying(WireFormatException.class,
                                e -> assertThat(e.errorCode()).isEqualTo(ErrorCodes.H3_MESSAGE_ERROR));
                assertThat(payload.isReadable()).isFalse();
                assertThat(decoder.bufferedBytes()).isZero();
            } finally {
                payload.release();
            }
            // The stream stays broken.
            ByteBuf more = Unpooled.copiedBuffer(FLUPKE_CLOSE);
            try {
                assertThatThrownBy(() -> decoder.decode(more))
                        .isInstanceOfSatisfying(WireFormatException.class,
                                e -> assertThat(e.errorCode()).isEqualTo(ErrorCodes.H3_MESSAGE_ERROR));
                assertThat(more.isReadable()).isFalse();
            } finally {
                more.release();
            }
        }
    }

    @Test
    void rejectsAnOversizeLengthEvenWhenItArrivesAlone() {
        try (CapsuleDecoder decoder = new CapsuleDecoder()) {
            assertThat(feed(decoder, hex("68 43"))).isEmpty();
            assertThatThrownBy(() -> feed(decoder, hex("c0 00 00 00 ff ff ff ff")))
                    .isInstanceOfSatisfying(WireFormatException.class,
                            e -> assertThat(e.errorCode()).isEqualTo(ErrorCodes.H3_MESSAGE_ERROR));
            assertThat(decoder.bufferedBytes()).isZero();
        }
    }

    @Test
    void neverBuffersMoreThanTheHeaderAndTheMaximumLength() {
        int max = 100;
        try (CapsuleDecoder decoder = new CapsuleDecoder(max)) {
            byte[] header = hex("c0 00 00 00 00 00 00 17 c0 00 00 00 00 00 00 64");
            assertThat(feed(decoder, header)).isEmpty();
            for (int i = 0; i < max - 1; i++) {
                assertThat(feed(decoder, new byte[] {1})).isEmpty();
                assertThat(decoder.bufferedBytes()).isLessThanOrEqualTo(16 + max);
            }
            assertThat(decoder.bufferedBytes()).isEqualTo(16 + max - 1);
            assertThat(feed(decoder, new byte[] {1})).hasSize(1);
            assertThat(decoder.bufferedBytes()).isZero();
        }
    }

    @Test
    void doesNotReleaseThePayload() {
        try (CapsuleDecoder decoder = new CapsuleDecoder()) {
            ByteBuf payload = Unpooled.copiedBuffer(FLUPKE_CLOSE);
            decoder.decode(payload);
            assertThat(payload.refCnt()).isEqualTo(1);
            assertThat(payload.release()).isTrue();
        }
    }

    @Test
    void closeIsIdempotentAndDropsThePartialCapsule() {
        CapsuleDecoder decoder = new CapsuleDecoder();
        feed(decoder, Arrays.copyOf(CHROMIUM_CLOSE, 5));
        decoder.close();
        decoder.close();
        assertThat(decoder.bufferedBytes()).isZero();
        assertThat(decoder.hasPartialCapsule()).isFalse();
        ByteBuf payload = Unpooled.copiedBuffer(FLUPKE_CLOSE);
        try {
            assertThatThrownBy(() -> decoder.decode(payload)).isInstanceOf(IllegalStateException.class);
        } finally {
            payload.release();
        }
    }

    @Test
    void rejectsANegativeMaximum() {
        assertThatThrownBy(() -> new CapsuleDecoder(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    static List<Capsule> decodeInChunks(int maxCapsuleLength, byte[]... chunks) {
        try (CapsuleDecoder decoder = new CapsuleDecoder(maxCapsuleLength)) {
            List<Capsule> capsules = feed(decoder, chunks);
            assertThat(decoder.hasPartialCapsule()).isFalse();
            assertThat(decoder.bytesDecoded()).isEqualTo(Arrays.stream(chunks).mapToLong(c -> c.length).sum());
            return capsules;
        }
    }

    static List<Capsule> feed(CapsuleDecoder decoder, byte[]... chunks) {
        List<Capsule> capsules = new ArrayList<>();
        for (byte[] chunk : chunks) {
            ByteBuf payload = Unpooled.copiedBuffer(chunk);
            try {
                capsules.addAll(decoder.decode(payload));
                assertThat(payload.isReadable()).isFalse();
            } finally {
                payload.release();
            }
        }
        return capsules;
    }

    private static byte[] allCapsuleBytes() {
        return concat(GREASE, DRAIN, REGISTER_DATAGRAM_NO_CONTEXT, CHROMIUM_CLOSE, FLUPKE_CLOSE);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
