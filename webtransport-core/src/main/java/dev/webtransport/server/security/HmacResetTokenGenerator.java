package dev.webtransport.server.security;

import io.netty.handler.codec.quic.QuicResetTokenGenerator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;

/**
 * Stateless reset tokens (RFC 9000 §10.3) derived as HMAC-SHA256(key, connection id)[0..16], so a restarted server or
 * another server of the fleet sharing the key can reset connections it lost state for, and nobody else can.
 */
public final class HmacResetTokenGenerator implements QuicResetTokenGenerator {
    private final SecretKeySpec key;

    public HmacResetTokenGenerator(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("the reset token key needs at least 32 bytes, got " + key.length);
        }
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    }

    @Override
    public ByteBuffer newResetToken(ByteBuffer cid) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            m.update(cid.duplicate());
            byte[] full = m.doFinal();
            return ByteBuffer.wrap(full, 0, 16).slice();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
