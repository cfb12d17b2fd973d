package dev.webtransport.protocol.wire;

/**
 * The session flow-control capsules of draft-12+ (WT_MAX_DATA, WT_MAX_STREAMS, WT_DATA_BLOCKED, WT_STREAMS_BLOCKED):
 * each carries exactly one variable-length integer.
 */
public final class FlowControlCapsules {
    /** Largest stream count a WT_MAX_STREAMS or WT_STREAMS_BLOCKED capsule may carry (2^60). */
    public static final long MAX_STREAM_COUNT = 1L << 60;

    private FlowControlCapsules() {
    }

    /** Whether {@code type} is one of the six flow-control capsule types. */
    public static boolean isFlowControl(long type) {
        return type == CapsuleTypes.WT_MAX_DATA || type == CapsuleTypes.WT_MAX_STREAMS_BIDI
                || type == CapsuleTypes.WT_MAX_STREAMS_UNI || type == CapsuleTypes.WT_DATA_BLOCKED
                || type == CapsuleTypes.WT_STREAMS_BLOCKED_BIDI || type == CapsuleTypes.WT_STREAMS_BLOCKED_UNI;
    }

    /** A flow-control capsule of {@code type} carrying {@code value}. */
    public static Capsule of(long type, long value) {
        if (!isFlowControl(type)) {
            throw new IllegalArgumentException("not a flow-control capsule type: " + CapsuleTypes.name(type));
        }
        return new Capsule(type, VarInt.encode(value));
    }

    /**
     * The value of a flow-control capsule.
     *
     * @throws WireFormatException with {@link ErrorCodes#H3_MESSAGE_ERROR} when the value is not exactly one
     *     variable-length integer
     */
    public static long value(Capsule capsule) {
        byte[] v = capsule.value();
        if (v.length == 0) {
            throw new WireFormatException(ErrorCodes.H3_MESSAGE_ERROR,
                    CapsuleTypes.name(capsule.type()) + " capsule without a value");
        }
        int length = VarInt.lengthFromFirstByte(v[0]);
        if (length != v.length) {
            throw new WireFormatException(ErrorCodes.H3_MESSAGE_ERROR, CapsuleTypes.name(capsule.type())
                    + " capsule of " + v.length + " bytes does not hold exactly one variable-length integer");
        }
        return VarInt.decode(v, 0);
    }
}
