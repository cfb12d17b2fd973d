package dev.webtransport.protocol.wire;

import java.util.Map;
import java.util.OptionalLong;

/**
 * HTTP/3 (RFC 9114 §8.1, RFC 9297) and WebTransport error codes, and the mapping between 32-bit
 * WebTransport application error codes and the HTTP/3 code space used in RESET_STREAM and
 * STOP_SENDING.
 *
 * <p>Application code {@code n} is carried as {@code APPLICATION_ERROR_FIRST + n + n / 0x1e}; the
 * extra term skips the reserved (GREASE) codepoints {@code 0x1f * N + 0x21} that fall into the
 * range.
 */
public final class ErrorCodes {

    /** No error; used when closing a connection or stream without a problem. */
    public static final long H3_NO_ERROR = 0x100;
    /** Peer violated the protocol in a way no more specific code describes. */
    public static final long H3_GENERAL_PROTOCOL_ERROR = 0x101;
    /** Internal error in the HTTP stack. */
    public static final long H3_INTERNAL_ERROR = 0x102;
    /** Peer created a stream that will not be accepted. */
    public static final long H3_STREAM_CREATION_ERROR = 0x103;
    /** A stream required by the HTTP/3 connection was closed or reset. */
    public static final long H3_CLOSED_CRITICAL_STREAM = 0x104;
    /** A frame was received that is not permitted in the current state or on the current stream. */
    public static final long H3_FRAME_UNEXPECTED = 0x105;
    /** A frame failed to satisfy layout requirements or had an invalid size. */
    public static final long H3_FRAME_ERROR = 0x106;
    /** Peer is generating excessive load. */
    public static final long H3_EXCESSIVE_LOAD = 0x107;
    /** A stream id or push id was used incorrectly. */
    public static final long H3_ID_ERROR = 0x108;
    /** A SETTINGS frame contained an error. */
    public static final long H3_SETTINGS_ERROR = 0x109;
    /** No SETTINGS frame was received at the start of the control stream. */
    public static final long H3_MISSING_SETTINGS = 0x10a;
    /** A request was rejected without any application processing. */
    public static final long H3_REQUEST_REJECTED = 0x10b;
    /** A request or its response was cancelled. */
    public static final long H3_REQUEST_CANCELLED = 0x10c;
    /** A client stream terminated without a fully formed request. */
    public static final long H3_REQUEST_INCOMPLETE = 0x10d;
    /** An HTTP message was malformed. */
    public static final long H3_MESSAGE_ERROR = 0x10e;
    /** The TCP/IP connection of a CONNECT request failed; Chromium also uses it when a WebTransport session ends. */
    public static final long H3_CONNECT_ERROR = 0x10f;
    /** The request should be retried over HTTP/1.1. */
    public static final long H3_VERSION_FALLBACK = 0x110;
    /** A datagram or capsule was malformed (RFC 9297). */
    public static final long H3_DATAGRAM_ERROR = 0x33;

    /** A stream for a not-yet-established session was rejected because the buffer was full. */
    public static final long WT_BUFFERED_STREAM_REJECTED = 0x3994bd84L;
    /** The WebTransport session the stream belongs to has ended. */
    public static final long WT_SESSION_GONE = 0x170d7b68L;
    /** Session-level flow control was violated (draft-14+). */
    public static final long WT_FLOW_CONTROL_ERROR = 0x045d4487L;
    /** Application protocol (WT-Protocol) negotiation failed (draft-15+). */
    public static final long WT_ALPN_ERROR = 0x0817b3ddL;
    /** The server does not meet the WebTransport requirements of the client (draft-15+). */
    public static final long WT_REQUIREMENTS_NOT_MET = 0x212c0d48L;

    /** The HTTP/3 code that carries WebTransport application code 0. */
    public static final long APPLICATION_ERROR_FIRST = 0x52e4a40fa8dbL;
    /** The HTTP/3 code that carries WebTransport application code {@link #MAX_APPLICATION_CODE}. */
    public static final long APPLICATION_ERROR_LAST = 0x52e5ac983162L;
    /** The largest WebTransport application error code (32 bits, unsigned). */
    public static final long MAX_APPLICATION_CODE = 0xffffffffL;

    private static final long RESERVED_BASE = 0x21;
    private static final long RESERVED_STEP = 0x1f;

    private static final Map<Long, String> NAMES = Map.ofEntries(
            Map.entry(H3_NO_ERROR, "H3_NO_ERROR"),
            Map.entry(H3_GENERAL_PROTOCOL_ERROR, "H3_GENERAL_PROTOCOL_ERROR"),
            Map.entry(H3_INTERNAL_ERROR, "H3_INTERNAL_ERROR"),
            Map.entry(H3_STREAM_CREATION_ERROR, "H3_STREAM_CREATION_ERROR"),
            Map.entry(H3_CLOSED_CRITICAL_STREAM, "H3_CLOSED_CRITICAL_STREAM"),
            Map.entry(H3_FRAME_UNEXPECTED, "H3_FRAME_UNEXPECTED"),
            Map.entry(H3_FRAME_ERROR, "H3_FRAME_ERROR"),
            Map.entry(H3_EXCESSIVE_LOAD, "H3_EXCESSIVE_LOAD"),
            Map.entry(H3_ID_ERROR, "H3_ID_ERROR"),
            Map.entry(H3_SETTINGS_ERROR, "H3_SETTINGS_ERROR"),
            Map.entry(H3_MISSING_SETTINGS, "H3_MISSING_SETTINGS"),
            Map.entry(H3_REQUEST_REJECTED, "H3_REQUEST_REJECTED"),
            Map.entry(H3_REQUEST_CANCELLED, "H3_REQUEST_CANCELLED"),
            Map.entry(H3_REQUEST_INCOMPLETE, "H3_REQUEST_INCOMPLETE"),
            Map.entry(H3_MESSAGE_ERROR, "H3_MESSAGE_ERROR"),
            Map.entry(H3_CONNECT_ERROR, "H3_CONNECT_ERROR"),
            Map.entry(H3_VERSION_FALLBACK, "H3_VERSION_FALLBACK"),
            Map.entry(H3_DATAGRAM_ERROR, "H3_DATAGRAM_ERROR"),
            Map.entry(WT_BUFFERED_STREAM_REJECTED, "WT_BUFFERED_STREAM_REJECTED"),
            Map.entry(WT_SESSION_GONE, "WT_SESSION_GONE"),
            Map.entry(WT_FLOW_CONTROL_ERROR, "WT_FLOW_CONTROL_ERROR"),
            Map.entry(WT_ALPN_ERROR, "WT_ALPN_ERROR"),
            Map.entry(WT_REQUIREMENTS_NOT_MET, "WT_REQUIREMENTS_NOT_MET"));

    private ErrorCodes() {
    }

    /**
     * The HTTP/3 error code that carries WebTransport application error code {@code applicationCode}.
     *
     * @throws IllegalArgumentException if {@code applicationCode} is negative or greater than
     *     {@link #MAX_APPLICATION_CODE}
     */
    public static long webTransportToHttp3(long applicationCode) {
        if (applicationCode < 0 || applicationCode > MAX_APPLICATION_CODE) {
            throw new IllegalArgumentException(
                    "WebTransport application error code out of range [0, 0xffffffff]: " + applicationCode);
        }
        return APPLICATION_ERROR_FIRST + applicationCode + applicationCode / 0x1e;
    }

    /**
     * The WebTransport application error code carried by HTTP/3 error code {@code http3Code}.
     *
     * @return the application code, or empty if {@code http3Code} lies outside
     *     [{@link #APPLICATION_ERROR_FIRST}, {@link #APPLICATION_ERROR_LAST}] or is a reserved codepoint
     */
    public static OptionalLong http3ToWebTransport(long http3Code) {
        if (http3Code < APPLICATION_ERROR_FIRST || http3Code > APPLICATION_ERROR_LAST
                || isReservedHttp3Code(http3Code)) {
            return OptionalLong.empty();
        }
        long shifted = http3Code - APPLICATION_ERROR_FIRST;
        return OptionalLong.of(shifted - shifted / 0x1f);
    }

    /** Whether {@code code} is a reserved (GREASE) HTTP/3 error code, {@code 0x1f * N + 0x21}. */
    public static boolean isReservedHttp3Code(long code) {
        return code >= RESERVED_BASE && (code - RESERVED_BASE) % RESERVED_STEP == 0;
    }

    /**
     * Whether a stream reset or STOP_SENDING with {@code http3Code} means "the session is gone":
     * true for {@link #WT_SESSION_GONE} and for {@link #H3_CONNECT_ERROR}, which Chromium sends
     * when a session ends.
     */
    public static boolean isSessionGone(long http3Code) {
        return http3Code == WT_SESSION_GONE || http3Code == H3_CONNECT_ERROR;
    }

    /**
     * A readable name for logs: the constant name (e.g. {@code "H3_NO_ERROR"}),
     * {@code "WT_APPLICATION_ERROR(n)"} for mapped application codes, otherwise {@code "0x"} and
     * the code in hexadecimal.
     */
    public static String name(long code) {
        String known = NAMES.get(code);
        if (known != null) {
            return known;
        }
        OptionalLong application = http3ToWebTransport(code);
        if (application.isPresent()) {
            return "WT_APPLICATION_ERROR(" + application.getAsLong() + ")";
        }
        return "0x" + Long.toHexString(code);
    }
}
