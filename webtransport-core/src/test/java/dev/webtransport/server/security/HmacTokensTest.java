package dev.webtransport.server.security;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Address-validation and stateless-reset tokens: bound to address and key, unforgeable, expiring. */
class HmacTokensTest {
    private static final byte[] KEY = new byte[32];
    private static final byte[] OTHER_KEY = new byte[32];

    static {
        Arrays.fill(KEY, (byte) 7);
        Arrays.fill(OTHER_KEY, (byte) 9);
    }

    private final InetSocketAddress client = new InetSocketAddress("127.0.0.1", 50000);
    private final ByteBuf dcid = Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

    private ByteBuf token(HmacQuicTokenHandler h, InetSocketAddress address) {
        ByteBuf out = Unpooled.buffer();
        assertThat(h.writeToken(out, dcid, address)).isTrue();
        assertThat(out.readableBytes()).isLessThanOrEqualTo(h.maxTokenLength());
        return out;
    }

    @Test
    void aTokenIsValidForItsAddressAndCarriesTheOriginalConnectionId() {
        HmacQuicTokenHandler h = new HmacQuicTokenHandler(KEY, Duration.ofSeconds(10));
        ByteBuf t = token(h, client);
        int offset = h.validateToken(t, client);
        assertThat(offset).isPositive();
        assertThat(t.slice(offset, t.readableBytes() - offset)).isEqualTo(dcid);
        t.release();
    }

    @Test
    void anotherAddressPortTamperingOrKeyIsRejected() {
        HmacQuicTokenHandler h = new HmacQuicTokenHandler(KEY, Duration.ofSeconds(10));
        ByteBuf t = token(h, client);
        assertThat(h.validateToken(t, new InetSocketAddress("127.0.0.2", 50000))).isEqualTo(-1);
        assertThat(h.validateToken(t, new InetSocketAddress("127.0.0.1", 50001))).isEqualTo(-1);
        assertThat(new HmacQuicTokenHandler(OTHER_KEY, Duration.ofSeconds(10)).validateToken(t, client)).isEqualTo(-1);
        for (int i = 0; i < t.readableBytes(); i++) {
            ByteBuf copy = t.copy();
            copy.setByte(i, copy.getByte(i) ^ 0x01);
            assertThat(h.validateToken(copy, client)).as("flipped byte " + i).isEqualTo(-1);
            copy.release();
        }
        assertThat(h.validateToken(Unpooled.EMPTY_BUFFER, client)).isEqualTo(-1);
        t.release();
    }

    @Test
    void anExpiredTokenIsRejected() {
        Instant now = Instant.parse("2026-11-29T12:00:00Z");
        HmacQuicTokenHandler issuer = new HmacQuicTokenHandler(KEY, Duration.ofSeconds(10), Clock.fixed(now, ZoneOffset.UTC));
        ByteBuf t = token(issuer, client);
        HmacQuicTokenHandler later = new HmacQuicTokenHandler(KEY, Duration.ofSeconds(10),
                Clock.fixed(now.plusSeconds(11), ZoneOffset.UTC));
        assertThat(later.validateToken(t, client)).isEqualTo(-1);
        t.release();
    }

    @Test
    void shortKeysAreRefused() {
        assertThatThrownBy(() -> new HmacQuicTokenHandler(new byte[16], Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HmacResetTokenGenerator(new byte[8])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resetTokensAreDeterministicPerKeyAndConnectionId() {
        ByteBuffer cid = ByteBuffer.wrap(new byte[] {9, 8, 7, 6});
        ByteBuffer a = new HmacResetTokenGenerator(KEY).newResetToken(cid);
        ByteBuffer b = new HmacResetTokenGenerator(KEY).newResetToken(cid.duplicate());
        ByteBuffer c = new HmacResetTokenGenerator(OTHER_KEY).newResetToken(cid.duplicate());
        ByteBuffer d = new HmacResetTokenGenerator(KEY).newResetToken(ByteBuffer.wrap(new byte[] {1}));
        assertThat(a.remaining()).isEqualTo(16);
        assertThat(a).isEqualTo(b).isNotEqualTo(c).isNotEqualTo(d);
        dcid.release();
    }
}
