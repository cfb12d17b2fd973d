/**
 * Wire formats of WebTransport over HTTP/3: variable-length integers, error codes and their
 * application-code mapping, SETTINGS and capsule identifiers, capsules, stream preambles and
 * HTTP/3 datagram prefixes.
 *
 * <p>Everything here is a pure function or a small immutable value type that reads from or
 * writes to a {@link io.netty.buffer.ByteBuf}; nothing depends on Netty channels or pipelines.
 * Malformed peer input is reported as {@link dev.webtransport.protocol.wire.WireFormatException},
 * which carries the error code to send to the peer. Local programming errors (for example an
 * out-of-range value passed to an encoder) raise {@link java.lang.IllegalArgumentException}.
 *
 * <p>Buffer ownership: no method releases a buffer it was given; every buffer a method returns is
 * owned by the caller.
 */
package dev.webtransport.protocol.wire;
