package dev.webtransport.server.security;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;

/**
 * QUIC address validation (RFC 9000 §8.1) with HMAC-signed Retry tokens: a client must echo a token bound to its
 * address before the server spends more than three times the bytes it received, so spoofed source addresses get no
 * amplification. Token layout: version (1) | expiry seconds (8) | HMAC-SHA256(key, address | expiry | odcid)[0..16]
 * | original destination connection id. Servers of a fleet share the key so any of them accepts a token.
 */
public final class HmacQuicTokenHandler implements QuicTokenHandler {
    private static final byte VERSION = 1;
    private static final int MAC_LENGTH = 16;
    private static final int HEADER = 1 + 8 + MAC_LENGTH;
    private static final int MAX_CONNECTION_ID_LENGTH = 20;

    private final SecretKeySpec key;
    private final Duration lifetime;
    private final Clock clock;

    /**
     * @param key      at least 32 bytes of secret key material
     * @param lifetime how long a token stays valid (a few seconds suffice: the client echoes it at once)
     */
    public HmacQuicTokenHandler(byte[] key, Duration lifetime) {
        this(key, lifetime, Clock.systemUTC());
    }

    HmacQuicTokenHandler(byte[] key, Duration lifetime, Clock clock) {
        if (key.length < 32) {
            throw new IllegalArgumentException("the address validation key needs at least 32 bytes, got " + key.length);
        }
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
        this.lifetime = lifetime;
        this.clock = clock;
    }

    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
        long expiry = clock.instant().plus(lifetime).getEpochSecond();
        byte[] odcid = new byte[dcid.readableBytes()];
        dcid.getBytes(dcid.readerIndex(), odcid);
        out.writeByte(VERSION).writeLong(expiry).writeBytes(mac(address, expiry, odcid)).writeBytes(odcid);
        return true;
    }

    @Override
    public int validateToken(ByteBuf token, InetSocketAddress address) {
        int start = token.readerIndex();
        int length = token.readableBytes();
        if (length < HEADER || length > HEADER + MAX_CONNECTION_ID_LENGTH || token.getByte(start) != VERSION) {
            return -1;
        }
        long expiry = token.getLong(start + 1);
        if (clock.instant().getEpochSecond() > expiry) {
            return -1;
        }
        byte[] mac = new byte[MAC_LENGTH];
        token.getBytes(start + 9, mac);
        byte[] odcid = new byte[length - HEADER];
        token.getBytes(start + HEADER, odcid);
        return MessageDigest.isEqual(mac, mac(address, expiry, odcid)) ? HEADER : -1;
    }

    @Override
    public int maxTokenLength() {
        return HEADER + MAX_CONNECTION_ID_LENGTH;
    }

    private byte[] mac(InetSocketAddress address, long expiry, byte[] odcid) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            m.update(address.getAddress().getAddress());
            m.update((byte) (address.getPort() >>> 8));
            m.update((byte) address.getPort());
            for (int i = 7; i >= 0; i--) {
                m.update((byte) (expiry >>> (8 * i)));
            }
            m.update(odcid);
            byte[] full = m.doFinal();
            byte[] out = new byte[MAC_LENGTH];
            System.arraycopy(full, 0, out, 0, MAC_LENGTH);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
