package dev.webtransport.autoconfigure.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Called for each unidirectional stream the client opens. Parameters: the session, the receive stream, or a payload which receives the whole stream content. A returned payload is sent back on a new server unidirectional stream. Handler methods run on the application task executor, never on a network thread.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface OnUnidirectionalStream {
}
