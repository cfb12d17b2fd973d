package dev.webtransport.autoconfigure.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Called for each bidirectional stream the client opens. Parameters: the session, the stream, or a payload ({@code byte[]}, {@code String}, {@code ByteBuffer}) which receives the whole stream content. A returned payload (or a {@code CompletionStage} of one) is written back and the stream ended. Handler methods run on the application task executor, never on a network thread.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface OnBidirectionalStream {
}
