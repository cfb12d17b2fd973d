package dev.webtransport.autoconfigure;

import dev.webtransport.autoconfigure.annotation.OnBidirectionalStream;
import dev.webtransport.autoconfigure.annotation.OnClose;
import dev.webtransport.autoconfigure.annotation.OnDatagram;
import dev.webtransport.autoconfigure.annotation.OnDraining;
import dev.webtransport.autoconfigure.annotation.OnError;
import dev.webtransport.autoconfigure.annotation.OnOpen;
import dev.webtransport.autoconfigure.annotation.OnSessionRequest;
import dev.webtransport.autoconfigure.annotation.OnUnidirectionalStream;
import dev.webtransport.autoconfigure.annotation.PathVariable;
import dev.webtransport.autoconfigure.annotation.RequestHeader;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.SessionDecision;
import dev.webtransport.session.SessionRequest;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportReceiveStream;
import dev.webtransport.session.WebTransportSendStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportStream;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Adapts a bean with annotated handler methods to a {@link WebTransportHandler}. Methods are found once, at startup;
 * each call resolves parameters by type and annotation. Payload parameters of stream methods receive the whole stream
 * (at most {@link #MAX_STREAM_PAYLOAD} bytes, within {@link #STREAM_READ_TIMEOUT}).
 */
final class AnnotatedEndpointAdapter implements WebTransportHandler {
    /** Largest stream body bound to a payload parameter. */
    static final int MAX_STREAM_PAYLOAD = 16 * 1024 * 1024;
    /** How long reading a stream body for a payload parameter may take. */
    static final Duration STREAM_READ_TIMEOUT = Duration.ofSeconds(30);

    private final Object bean;
    private final Map<Class<? extends Annotation>, Method> methods = new HashMap<>();
    /** Each handler method's parameters, resolved once at startup rather than on every call. */
    private final Map<Class<? extends Annotation>, MethodParameter[]> parameters = new HashMap<>();
    /** Handler kinds with a payload parameter (stream methods then read the whole stream first). */
    private final java.util.Set<Class<? extends Annotation>> payloadKinds = new java.util.HashSet<>();

    AnnotatedEndpointAdapter(Object bean) {
        this.bean = bean;
        Class<?> type = AopUtils.getTargetClass(bean);
        List<Class<? extends Annotation>> kinds = List.of(OnSessionRequest.class, OnOpen.class,
                OnBidirectionalStream.class, OnUnidirectionalStream.class, OnDatagram.class, OnDraining.class,
                OnClose.class, OnError.class);
        ReflectionUtils.doWithMethods(type, m -> {
            for (Class<? extends Annotation> kind : kinds) {
                if (AnnotatedElementUtils.hasAnnotation(m, kind)) {
                    Method previous = methods.put(kind, m);
                    if (previous != null && !previous.getName().equals(m.getName())) {
                        throw new IllegalStateException(type.getName() + " declares more than one @"
                                + kind.getSimpleName() + " method: " + previous.getName() + " and " + m.getName());
                    }
                    ReflectionUtils.makeAccessible(m);
                }
            }
        });
        for (Map.Entry<Class<? extends Annotation>, Method> e : methods.entrySet()) {
            Method m = e.getValue();
            MethodParameter[] params = new MethodParameter[m.getParameterCount()];
            for (int i = 0; i < params.length; i++) {
                MethodParameter p = new MethodParameter(m, i);
                if (!isResolvable(p)) {
                    throw new IllegalStateException("cannot resolve parameter " + i + " (" + p.getParameterType()
                            .getSimpleName() + ") of WebTransport handler " + type.getSimpleName() + "." + m.getName());
                }
                if (isPayload(p)) {
                    payloadKinds.add(e.getKey());
                }
                params[i] = p;
            }
            parameters.put(e.getKey(), params);
        }
    }

    boolean hasHandlerMethods() {
        return !methods.isEmpty();
    }

    private static boolean isResolvable(MethodParameter p) {
        Class<?> t = p.getParameterType();
        return p.hasParameterAnnotation(PathVariable.class) || p.hasParameterAnnotation(RequestHeader.class)
                || WebTransportSession.class.isAssignableFrom(t) || WebTransportStream.class.isAssignableFrom(t)
                || t == SessionRequest.class || t == SessionCloseInfo.class || Throwable.class.isAssignableFrom(t)
                || t == byte[].class || t == String.class || t == ByteBuffer.class;
    }

    /** Everything a handler parameter can be bound to in one call. */
    private record Context(SessionRequest request, Map<String, String> pathVariables, WebTransportSession session,
                           WebTransportStream stream, byte[] payload, SessionCloseInfo closeInfo, Throwable error) {
    }

    private Object invoke(Class<? extends Annotation> kind, Context ctx) {
        Method m = methods.get(kind);
        if (m == null) {
            return null;
        }
        MethodParameter[] params = parameters.get(kind);
        Object[] args = new Object[params.length];
        for (int i = 0; i < args.length; i++) {
            args[i] = resolve(params[i], ctx);
        }
        try {
            return m.invoke(bean, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getTargetException();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new CompletionException(cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object resolve(MethodParameter p, Context ctx) {
        Class<?> t = p.getParameterType();
        PathVariable pv = p.getParameterAnnotation(PathVariable.class);
        if (pv != null) {
            String name = pv.value().isEmpty() ? p.getParameterName() : pv.value();
            Map<String, String> vars = ctx.session() != null ? ctx.session().pathVariables() : ctx.pathVariables();
            return vars == null ? null : vars.get(name);
        }
        RequestHeader rh = p.getParameterAnnotation(RequestHeader.class);
        if (rh != null) {
            String name = rh.value().isEmpty() ? p.getParameterName() : rh.value();
            return header(ctx, name);
        }
        if (WebTransportSession.class.isAssignableFrom(t)) {
            return ctx.session();
        }
        if (WebTransportStream.class.isAssignableFrom(t)) {
            return t.isInstance(ctx.stream()) ? ctx.stream() : null;
        }
        if (t == SessionRequest.class) {
            return ctx.request();
        }
        if (t == SessionCloseInfo.class) {
            return ctx.closeInfo();
        }
        if (Throwable.class.isAssignableFrom(t)) {
            return t.isInstance(ctx.error()) ? ctx.error() : null;
        }
        byte[] payload = ctx.payload();
        if (payload == null) {
            return null;
        }
        if (t == byte[].class) {
            return payload;
        }
        if (t == String.class) {
            return new String(payload, StandardCharsets.UTF_8);
        }
        return ByteBuffer.wrap(payload).asReadOnlyBuffer();
    }

    private static String header(Context ctx, String name) {
        Map<String, List<String>> headers = ctx.session() != null ? ctx.session().headers()
                : ctx.request() != null ? ctx.request().headers() : Map.of();
        List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private boolean wantsPayload(Class<? extends Annotation> kind) {
        return payloadKinds.contains(kind);
    }

    private static boolean isPayload(MethodParameter p) {
        Class<?> t = p.getParameterType();
        return (t == byte[].class || t == String.class || t == ByteBuffer.class)
                && !p.hasParameterAnnotation(PathVariable.class) && !p.hasParameterAnnotation(RequestHeader.class);
    }

    private static byte[] toBytes(Object value) {
        Object v = value;
        if (v instanceof CompletionStage<?> stage) {
            try {
                v = stage.toCompletableFuture().get(STREAM_READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new CompletionException(e.getCause());
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }
        if (v == null) {
            return null;
        }
        if (v instanceof byte[] b) {
            return b;
        }
        if (v instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        if (v instanceof ByteBuffer bb) {
            byte[] b = new byte[bb.remaining()];
            bb.duplicate().get(b);
            return b;
        }
        throw new IllegalStateException("unsupported handler return type " + v.getClass().getName()
                + " (use byte[], String, ByteBuffer or a CompletionStage of one)");
    }

    private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(STREAM_READ_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new CompletionException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new CompletionException(e);
        }
    }

    // ------------------------------------------------------------------ WebTransportHandler

    @Override
    public SessionDecision onSessionRequest(SessionRequest request, Map<String, String> pathVariables) {
        Object result = invoke(OnSessionRequest.class, new Context(request, pathVariables, null, null, null, null, null));
        if (result == null) {
            return null;
        }
        if (result instanceof SessionDecision d) {
            return d instanceof SessionDecision.Reject ? d : null;
        }
        if (result instanceof Boolean b) {
            return b ? null : new SessionDecision.Reject(403, "rejected by the endpoint");
        }
        if (result instanceof Integer status) {
            return status >= 200 && status < 300 ? null : new SessionDecision.Reject(status, "rejected by the endpoint");
        }
        throw new IllegalStateException("@OnSessionRequest must return void, boolean, int or SessionDecision, not "
                + result.getClass().getName());
    }

    @Override
    public void onOpen(WebTransportSession session) {
        invoke(OnOpen.class, new Context(null, null, session, null, null, null, null));
    }

    @Override
    public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
        byte[] payload = wantsPayload(OnBidirectionalStream.class)
                ? join(stream.readAll(STREAM_READ_TIMEOUT, MAX_STREAM_PAYLOAD)) : null;
        Object result = invoke(OnBidirectionalStream.class, new Context(null, null, session, stream, payload, null, null));
        byte[] reply = toBytes(result);
        if (reply != null) {
            join(stream.write(reply, true));
        }
    }

    @Override
    public void onUnidirectionalStream(WebTransportSession session, WebTransportReceiveStream stream) {
        byte[] payload = wantsPayload(OnUnidirectionalStream.class)
                ? join(stream.readAll(STREAM_READ_TIMEOUT, MAX_STREAM_PAYLOAD)) : null;
        Object result = invoke(OnUnidirectionalStream.class, new Context(null, null, session, stream, payload, null, null));
        byte[] reply = toBytes(result);
        if (reply != null) {
            WebTransportSendStream out = join(session.openUnidirectionalStream());
            join(out.write(reply, true));
        }
    }

    @Override
    public void onDatagram(WebTransportSession session, byte[] payload) {
        Object result = invoke(OnDatagram.class, new Context(null, null, session, null, payload, null, null));
        byte[] reply = toBytes(result);
        if (reply != null) {
            session.sendDatagram(reply);
        }
    }

    @Override
    public void onDraining(WebTransportSession session) {
        invoke(OnDraining.class, new Context(null, null, session, null, null, null, null));
    }

    @Override
    public void onClose(WebTransportSession session, SessionCloseInfo closeInfo) {
        invoke(OnClose.class, new Context(null, null, session, null, null, closeInfo, closeInfo.error()));
    }

    @Override
    public void onError(WebTransportSession session, Throwable error) {
        invoke(OnError.class, new Context(null, null, session, null, null, null, error));
    }

    @Override
    public String toString() {
        return "AnnotatedEndpoint[" + AopUtils.getTargetClass(bean).getName() + "]";
    }
}
