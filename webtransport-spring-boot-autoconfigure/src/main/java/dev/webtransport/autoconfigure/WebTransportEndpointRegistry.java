package dev.webtransport.autoconfigure;

import dev.webtransport.autoconfigure.annotation.WebTransportEndpoint;
import dev.webtransport.server.OriginPolicy;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.SessionDecision;
import dev.webtransport.session.SessionRequest;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportReceiveStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import org.springframework.aop.support.AopUtils;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.annotation.AnnotatedElementUtils;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds every {@link WebTransportEndpoint} bean, adapts it to a {@link WebTransportHandler}, and builds the
 * {@link WebTransportRouter} the server uses: origin check, then {@link WebTransportSessionInterceptor} beans, then the
 * endpoint's own request decision, then the session.
 */
public final class WebTransportEndpointRegistry {
    /** Session attribute holding the path template of the endpoint that serves the session. */
    public static final String ROUTE_ATTRIBUTE = "webtransport.route";

    private final Map<String, WebTransportHandler> endpoints = new LinkedHashMap<>();
    private final Map<String, List<String>> protocols = new LinkedHashMap<>();
    /** Parsed once per endpoint, not per session request. */
    private final Map<String, dev.webtransport.server.PathTemplate> templates = new LinkedHashMap<>();

    /** Scans the context for endpoint beans. */
    public WebTransportEndpointRegistry(ApplicationContext context) {
        Map<String, Object> beans = context.getBeansWithAnnotation(WebTransportEndpoint.class);
        for (Map.Entry<String, Object> e : beans.entrySet()) {
            Object bean = e.getValue();
            Class<?> type = AopUtils.getTargetClass(bean);
            WebTransportEndpoint ann = AnnotatedElementUtils.findMergedAnnotation(type, WebTransportEndpoint.class);
            if (ann == null) {
                continue;
            }
            String path = ann.path();
            if (path.isEmpty()) {
                throw new IllegalStateException("@WebTransportEndpoint on bean '" + e.getKey() + "' needs a path");
            }
            WebTransportHandler handler;
            if (bean instanceof WebTransportHandler h) {
                handler = h;
            } else {
                AnnotatedEndpointAdapter adapter = new AnnotatedEndpointAdapter(bean);
                if (!adapter.hasHandlerMethods()) {
                    throw new IllegalStateException("@WebTransportEndpoint bean '" + e.getKey() + "' (" + type.getName()
                            + ") neither implements WebTransportHandler nor declares annotated handler methods");
                }
                handler = adapter;
            }
            if (endpoints.putIfAbsent(path, handler) != null) {
                throw new IllegalStateException("two WebTransport endpoints are mapped to " + path);
            }
            protocols.put(path, Arrays.asList(ann.protocols()));
            templates.put(path, new dev.webtransport.server.PathTemplate(path));
        }
    }

    /** Registered path templates and their handlers. */
    public Map<String, WebTransportHandler> endpoints() {
        return Map.copyOf(endpoints);
    }

    /** Builds the router for the server. */
    public WebTransportRouter router(OriginPolicy originPolicy, List<WebTransportSessionInterceptor> interceptors,
                                     ApplicationEventPublisher events) {
        WebTransportRouter router = new WebTransportRouter().originPolicy(originPolicy);
        for (WebTransportSessionInterceptor i : interceptors) {
            router.intercept(i);
        }
        for (Map.Entry<String, WebTransportHandler> e : endpoints.entrySet()) {
            String template = e.getKey();
            WebTransportHandler handler = e.getValue();
            List<String> supported = protocols.getOrDefault(template, List.of());
            router.route(template, (request, vars) -> new PublishingHandler(template, handler, events),
                    supported.isEmpty() ? null : offered -> offered.stream().filter(supported::contains).findFirst()
                            .orElse(null));
        }
        router.intercept((request, vars) -> decideByEndpoint(request, vars));
        return router;
    }

    private SessionDecision.Reject decideByEndpoint(SessionRequest request, Map<String, String> vars) {
        for (Map.Entry<String, WebTransportHandler> e : endpoints.entrySet()) {
            Map<String, String> match = templates.get(e.getKey()).match(request.path());
            if (match != null && match.equals(vars)) {
                SessionDecision d = e.getValue().onSessionRequest(request, vars);
                return d instanceof SessionDecision.Reject r ? r : null;
            }
        }
        return null;
    }

    /** Delegates to the endpoint and publishes Spring events around the session's life. */
    private static final class PublishingHandler implements WebTransportSessionHandler {
        private final String template;
        private final WebTransportHandler delegate;
        private final ApplicationEventPublisher events;

        PublishingHandler(String template, WebTransportHandler delegate, ApplicationEventPublisher events) {
            this.template = template;
            this.delegate = delegate;
            this.events = events;
        }

        @Override
        public void onOpen(WebTransportSession session) {
            session.attributes().put(ROUTE_ATTRIBUTE, template);
            delegate.onOpen(session);
            events.publishEvent(new WebTransportSessionOpenedEvent(session));
        }

        @Override
        public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
            delegate.onBidirectionalStream(session, stream);
        }

        @Override
        public void onUnidirectionalStream(WebTransportSession session, WebTransportReceiveStream stream) {
            delegate.onUnidirectionalStream(session, stream);
        }

        @Override
        public void onDatagram(WebTransportSession session, byte[] payload) {
            delegate.onDatagram(session, payload);
        }

        @Override
        public void onDraining(WebTransportSession session) {
            delegate.onDraining(session);
        }

        @Override
        public void onClose(WebTransportSession session, SessionCloseInfo closeInfo) {
            try {
                delegate.onClose(session, closeInfo);
            } finally {
                events.publishEvent(new WebTransportSessionClosedEvent(session, closeInfo));
            }
        }

        @Override
        public void onError(WebTransportSession session, Throwable error) {
            delegate.onError(session, error);
        }
    }

    @Override
    public String toString() {
        return "WebTransportEndpointRegistry" + new ArrayList<>(endpoints.keySet());
    }
}
