package dev.webtransport.protocol.wire;

import static dev.webtransport.protocol.wire.ByteBufs.bytesAndRelease;
import static dev.webtransport.protocol.wire.ByteBufs.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CapsuleEncoderTest {

    private final TrackingByteBufAllocator alloc = new TrackingByteBufAllocator();

    @AfterEach
    void allBuffersReleased() {
        alloc.assertAllReleased();
    }

    @Test
    void encodesChromiumsCloseCapsuleByteExactly() {
        Capsule close = new CloseSessionCapsule(4242, "client-bye").toCapsule();
        assertThat(bytesAndRelease(CapsuleEncoder.encode(alloc, close)))
                .isEqualTo(hex("68 43 0e 00 00 10 92 63 6c 69 65 6e 74 2d 62 79 65"));
    }

    @Test
    void encodesTypeLengthAndValue() {
        assertThat(bytesAndRelease(CapsuleEncoder.encode(alloc, CapsuleTypes.DRAIN_WEBTRANSPORT_SESSION, new byte[0])))
                .isEqualTo(hex("80 00 78 ae 00"));
        assertThat(bytesAndRelease(CapsuleEncoder.encode(alloc, CapsuleTypes.WT_MAX_DATA, hex("3f"))))
                .isEqualTo(hex("99 0b 4d 3d 01 3f"));
        assertThat(bytesAndRelease(CapsuleEncoder.encode(alloc, 0xff37a2L, hex("80 ff 7c 00"))))
                .isEqualTo(hex("80 ff 37 a2 04 80 ff 7c 00"));
        byte[] value = new byte[64];
        ByteBuf encoded = CapsuleEncoder.encode(alloc, 0x17, value);
        assertThat(encoded.readableBytes()).isEqualTo(CapsuleEncoder.encodedLength(0x17, 64)).isEqualTo(1 + 2 + 64);
        assertThat(bytesAndRelease(encoded)).startsWith(hex("17 40 40"));
    }

    @Test
    void encodedCapsulesDecodeToTheSameCapsule() {
        Capsule capsule = new Capsule(0x190B4D40L, hex("80 01 00 00"));
        byte[] encoded = bytesAndRelease(CapsuleEncoder.encode(alloc, capsule));
        assertThat(CapsuleDecoderTest.decodeInChunks(64, encoded)).containsExactly(capsule);
    }

    @Test
    void rejectsInvalidTypes() {
        assertThatThrownBy(() -> CapsuleEncoder.encode(alloc, -1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CapsuleEncoder.encode(alloc, VarInt.MAX_VALUE + 1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(alloc.allocationCount()).isZero();
    }

    @Test
    void capsuleComparesAndPrintsByContent() {
        byte[] value = hex("01 02");
        Capsule capsule = new Capsule(0x2843, value);
        value[0] = 9;

        assertThat(capsule).isEqualTo(new Capsule(0x2843, hex("01 02")))
                .hasSameHashCodeAs(new Capsule(0x2843, hex("01 02")))
                .isNotEqualTo(new Capsule(0x2843, hex("01 03")))
                .isNotEqualTo(new Capsule(0x2844, hex("01 02")));
        capsule.value()[1] = 9;
        assertThat(capsule.value()).isEqualTo(hex("01 02"));
        assertThat(capsule.valueLength()).isEqualTo(2);
        assertThat(capsule.toString()).contains("CLOSE_WEBTRANSPORT_SESSION").contains("0102");
        assertThat(new Capsule(0x17, null).value()).isEmpty();
        assertThatThrownBy(() -> new Capsule(-1, new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
