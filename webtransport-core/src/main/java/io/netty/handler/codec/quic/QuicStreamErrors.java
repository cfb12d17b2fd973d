package io.netty.handler.codec.quic;

import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.PendingWriteQueue;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.util.concurrent.Future;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * Sends RESET_STREAM and STOP_SENDING with 62-bit application error codes on Netty QUIC streams.
 *
 * <p>{@link QuicStreamChannel#shutdownOutput(int)} and {@link QuicStreamChannel#shutdownInput(int)} accept only an
 * {@code int}, while HTTP/3 codes derived from WebTransport application codes reach {@code 0x52e5ac983162}. This
 * helper lives in Netty's package (a split package: it works on the class path only, not when Netty is on the module
 * path) and calls quiche directly: {@code Quiche.quiche_conn_stream_shutdown(connAddr, streamId, direction, long err)}
 * followed by {@code QuicheQuicChannel.connectionSendAndFlush()}, always on the stream's event loop.
 *
 * <p>It depends on Netty internals of 4.2.18.Final ({@code QuicheQuicChannel.connection},
 * {@code QuicheQuicStreamChannel.finSent/outputShutdown/inputShutdown/queue/closeIfDone()}). They are checked once,
 * reflectively, when this class is initialised; if anything is missing or the native library is unavailable,
 * {@link #isSupported()} returns {@code false} and both methods fall back to Netty's public {@code int} API for codes
 * in {@code [0, Integer.MAX_VALUE]} and throw {@link UnsupportedOperationException} for larger codes.
 *
 * <p>After {@link #resetStream} the stream's output is marked shut down exactly as after a sent FIN: queued writes
 * fail, later writes fail with {@link ChannelOutputShutdownException}, and no FIN is sent on close. The fallback
 * through Netty's public API does not do this (Netty 4.2.18 then lets quiche silently discard later writes), so on
 * that path the caller must stop writing to the stream itself.
 */
public final class QuicStreamErrors {

    /** Largest QUIC variable-length integer, the upper bound of any application error code. */
    private static final long MAX_VARINT = (1L << 62) - 1;

    private static final Throwable UNAVAILABILITY_CAUSE = probe();

    private QuicStreamErrors() {
    }

    /**
     * Tells whether 62-bit codes can be sent on this Netty version and platform.
     *
     * @return {@code true} when the reflective/native path is usable on this Netty version
     */
    public static boolean isSupported() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /**
     * Abruptly terminates the sending part of a stream: sends RESET_STREAM carrying {@code errorCode}. Pending and
     * later writes on the stream fail with {@link ChannelOutputShutdownException}. Runs on the stream's event loop,
     * hopping onto it when called from elsewhere.
     *
     * @param stream a locally created stream or a bidirectional stream
     * @param errorCode application error code, {@code 0 <= errorCode <= 2^62-1}
     * @return a future completed once quiche has queued the frame (failed if quiche rejects the shutdown, e.g. for
     *         a peer-initiated unidirectional stream, or if the connection is already closed)
     * @throws IllegalArgumentException if {@code errorCode} is not a valid 62-bit value
     * @throws UnsupportedOperationException if {@link #isSupported()} is false and the code does not fit an int
     */
    public static Future<Void> resetStream(QuicStreamChannel stream, long errorCode) {
        return shutdown(stream, errorCode, true);
    }

    /**
     * Asks the peer to stop sending on a stream: sends STOP_SENDING carrying {@code errorCode} and discards
     * data received from then on. Runs on the stream's event loop, hopping onto it when called from elsewhere.
     *
     * @param stream a peer-initiated stream or a bidirectional stream
     * @param errorCode application error code, {@code 0 <= errorCode <= 2^62-1}
     * @return a future completed once quiche has queued the frame
     * @throws IllegalArgumentException if {@code errorCode} is not a valid 62-bit value
     * @throws UnsupportedOperationException if {@link #isSupported()} is false and the code does not fit an int
     */
    public static Future<Void> stopSending(QuicStreamChannel stream, long errorCode) {
        return shutdown(stream, errorCode, false);
    }

    private static Future<Void> shutdown(QuicStreamChannel stream, long errorCode, boolean write) {
        Objects.requireNonNull(stream, "stream");
        if (errorCode < 0 || errorCode > MAX_VARINT) {
            throw new IllegalArgumentException("error code must be in [0, 2^62-1]: " + errorCode);
        }
        if (!isSupported() || !Internals.isQuicheStream(stream)) {
            if (errorCode <= Integer.MAX_VALUE) {
                return write ? stream.shutdownOutput((int) errorCode) : stream.shutdownInput((int) errorCode);
            }
            String reason = isSupported()
                    ? "stream is not a quiche-backed channel: " + stream.getClass().getName()
                    : "Netty internals needed for 62-bit codes are unavailable (" + UNAVAILABILITY_CAUSE + ")";
            throw new UnsupportedOperationException("cannot send " + (write ? "RESET_STREAM" : "STOP_SENDING")
                    + " with error code 0x" + Long.toHexString(errorCode) + ", which does not fit an int: " + reason);
        }
        ChannelPromise promise = stream.newPromise();
        EventLoop loop = stream.eventLoop();
        if (loop.inEventLoop()) {
            Internals.shutdown(stream, errorCode, write, promise);
        } else {
            try {
                loop.execute(() -> Internals.shutdown(stream, errorCode, write, promise));
            } catch (RejectedExecutionException e) {
                promise.tryFailure(e);
            }
        }
        return promise;
    }

    private static Throwable probe() {
        try {
            if (!Quic.isAvailable()) {
                Throwable cause = Quic.unavailabilityCause();
                return cause != null ? cause : new UnsupportedOperationException("native QUIC is unavailable");
            }
            // Package-private access only works if this class shares Netty's runtime package: same loader and
            // same (unnamed) module.
            if (QuicChannel.class.getModule().isNamed()
                    || QuicStreamErrors.class.getClassLoader() != QuicChannel.class.getClassLoader()) {
                return new UnsupportedOperationException("QuicStreamErrors is not in Netty's runtime package"
                        + " (Netty on the module path, or loaded by another class loader)");
            }
            Internals.verify();
            return null;
        } catch (Exception | LinkageError e) {
            return e;
        }
    }

    /**
     * Everything that names Netty internals. Only loaded after the probe found them, so a Netty upgrade that
     * removes them makes {@link #isSupported()} false instead of breaking class loading of the outer class.
     */
    private static final class Internals {
        private static final Field CONNECTION;
        private static final Field FIN_SENT;
        private static final Field OUTPUT_SHUTDOWN;
        private static final Field INPUT_SHUTDOWN;
        private static final Field QUEUE;
        private static final Method CLOSE_IF_DONE;

        static {
            try {
                CONNECTION = field(QuicheQuicChannel.class, "connection", QuicheQuicConnection.class);
                FIN_SENT = field(QuicheQuicStreamChannel.class, "finSent", boolean.class);
                OUTPUT_SHUTDOWN = field(QuicheQuicStreamChannel.class, "outputShutdown", boolean.class);
                INPUT_SHUTDOWN = field(QuicheQuicStreamChannel.class, "inputShutdown", boolean.class);
                QUEUE = field(QuicheQuicStreamChannel.class, "queue", PendingWriteQueue.class);
                CLOSE_IF_DONE = QuicheQuicStreamChannel.class.getDeclaredMethod("closeIfDone");
                CLOSE_IF_DONE.setAccessible(true);

                // Members called directly: check they exist with the signatures this class was compiled against,
                // so that a mismatch shows up in isSupported() rather than as NoSuchMethodError later.
                requireStatic(Quiche.class.getDeclaredMethod("quiche_conn_stream_shutdown",
                        long.class, long.class, int.class, long.class), int.class);
                requireStatic(Quiche.class.getDeclaredMethod("convertToException", int.class), Exception.class);
                requireStaticField(Quiche.class, "QUICHE_SHUTDOWN_READ");
                requireStaticField(Quiche.class, "QUICHE_SHUTDOWN_WRITE");
                requireStaticField(Quiche.class, "QUICHE_ERR_DONE");
                requireReturn(QuicheQuicConnection.class.getDeclaredMethod("address"), long.class);
                requireReturn(QuicheQuicConnection.class.getDeclaredMethod("isFreed"), boolean.class);
                requireReturn(QuicheQuicChannel.class.getDeclaredMethod("connectionSendAndFlush"), void.class);
                requireReturn(QuicheQuicStreamChannel.class.getDeclaredMethod("parent"), QuicheQuicChannel.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private Internals() {
        }

        /** Forces initialisation; throws if the internals do not match. */
        static void verify() {
            // The static initialiser did the work. Also touch Quiche so a native-library problem surfaces here.
            if (Quiche.QUICHE_SHUTDOWN_WRITE == Quiche.QUICHE_SHUTDOWN_READ) {
                throw new IllegalStateException("unexpected quiche shutdown constants");
            }
        }

        static boolean isQuicheStream(QuicStreamChannel stream) {
            return stream instanceof QuicheQuicStreamChannel;
        }

        static void shutdown(QuicStreamChannel channel, long errorCode, boolean write, ChannelPromise promise) {
            assert channel.eventLoop().inEventLoop();
            if (!promise.setUncancellable()) {
                return;
            }
            try {
                QuicheQuicStreamChannel stream = (QuicheQuicStreamChannel) channel;
                QuicheQuicChannel parent = stream.parent();
                QuicheQuicConnection connection = (QuicheQuicConnection) CONNECTION.get(parent);
                if (connection == null || connection.isFreed()) {
                    promise.setFailure(new ClosedChannelException());
                    return;
                }
                int direction = write ? Quiche.QUICHE_SHUTDOWN_WRITE : Quiche.QUICHE_SHUTDOWN_READ;
                int res = Quiche.quiche_conn_stream_shutdown(
                        connection.address(), stream.streamId(), direction, errorCode);
                if (res < 0 && res != Quiche.QUICHE_ERR_DONE) {
                    promise.setFailure(Quiche.convertToException(res));
                    return;
                }
                if (write) {
                    // Same state as after a sent FIN, so Netty neither writes to nor FINs the reset stream.
                    FIN_SENT.setBoolean(stream, true);
                    OUTPUT_SHUTDOWN.setBoolean(stream, true);
                    PendingWriteQueue queue = (PendingWriteQueue) QUEUE.get(stream);
                    if (!queue.isEmpty()) {
                        queue.removeAndFailAll(new ChannelOutputShutdownException(
                                "stream reset with error code 0x" + Long.toHexString(errorCode)));
                    }
                } else {
                    INPUT_SHUTDOWN.setBoolean(stream, true);
                }
                // quiche only queues the frame; a send is needed to put it on the wire.
                parent.connectionSendAndFlush();
            } catch (Throwable t) {
                promise.tryFailure(t);
                return;
            }
            promise.setSuccess();
            try {
                // As Netty does after its own shutdown: close the channel if both directions are now finished.
                CLOSE_IF_DONE.invoke(channel);
            } catch (InvocationTargetException e) {
                channel.pipeline().fireExceptionCaught(e.getCause());
            } catch (IllegalAccessException e) {
                channel.pipeline().fireExceptionCaught(e);
            }
        }

        private static Field field(Class<?> owner, String name, Class<?> type) throws NoSuchFieldException {
            Field field = owner.getDeclaredField(name);
            if (field.getType() != type || Modifier.isStatic(field.getModifiers())) {
                throw new NoSuchFieldException(owner.getName() + "." + name + " is not an instance field of type "
                        + type.getName());
            }
            field.setAccessible(true);
            return field;
        }

        private static void requireStatic(Method method, Class<?> returnType) throws NoSuchMethodException {
            if (!Modifier.isStatic(method.getModifiers())) {
                throw new NoSuchMethodException(method + " is not static");
            }
            requireReturn(method, returnType);
        }

        private static void requireReturn(Method method, Class<?> returnType) throws NoSuchMethodException {
            if (method.getReturnType() != returnType) {
                throw new NoSuchMethodException(method + " does not return " + returnType.getName());
            }
        }

        private static void requireStaticField(Class<?> owner, String name) throws NoSuchFieldException {
            Field field = owner.getDeclaredField(name);
            if (field.getType() != int.class || !Modifier.isStatic(field.getModifiers())) {
                throw new NoSuchFieldException(owner.getName() + "." + name + " is not a static int");
            }
        }
    }
}
