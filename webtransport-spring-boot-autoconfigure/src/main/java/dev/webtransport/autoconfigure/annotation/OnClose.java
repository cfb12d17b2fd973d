package dev.webtransport.autoconfigure.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Called once when a session ended. Parameters: the session and {@link dev.webtransport.session.SessionCloseInfo} (code, reason, who closed). Handler methods run on the application task executor, never on a network thread.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface OnClose {
}
