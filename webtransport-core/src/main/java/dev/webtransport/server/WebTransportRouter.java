package dev.webtransport.server;

import dev.webtransport.session.SessionDecision;
import dev.webtransport.session.SessionRequest;
import dev.webtransport.session.WebTransportSessionAcceptor;
import dev.webtransport.session.WebTransportSessionHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Routes session requests by path to handlers: origin check first (403), then an optional authentication hook (its
 * rejection status), then the path (404 when nothing matches). Literal paths win over templates; among templates the
 * first registered wins. No session state exists until a request is accepted.
 */
public final class WebTransportRouter implements WebTransportSessionAcceptor {
    /** Per-route decision hook: may reject (for authentication) or choose a subprotocol. */
    @FunctionalInterface
    public interface RequestInterceptor {
        /** Returns null to accept, or a rejection. */
        SessionDecision.Reject check(SessionRequest request, Map<String, String> pathVariables) throws Exception;
    }

    /** Chooses a subprotocol from those offered, or null for none; may reject when none is acceptable. */
    @FunctionalInterface
    public interface ProtocolSelector {
        String select(List<String> offered);
    }

    private record Route(PathTemplate template, HandlerFactory factory, ProtocolSelector protocols) {
    }

    /** Creates the handler of one accepted session. */
    @FunctionalInterface
    public interface HandlerFactory {
        WebTransportSessionHandler create(SessionRequest request, Map<String, String> pathVariables);
    }

    private final List<Route> routes = new CopyOnWriteArrayList<>();
    private final List<RequestInterceptor> interceptors = new CopyOnWriteArrayList<>();
    private volatile OriginPolicy originPolicy = OriginPolicy.sameOrigin();

    /** Registers one handler instance shared by every session on a path (template). */
    public WebTransportRouter route(String pathTemplate, WebTransportSessionHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return route(pathTemplate, (r, v) -> handler, null);
    }

    /** Registers a handler factory for a path (template), with an optional subprotocol selector. */
    public WebTransportRouter route(String pathTemplate, HandlerFactory factory, ProtocolSelector protocols) {
        PathTemplate t = new PathTemplate(pathTemplate);
        for (Route r : routes) {
            if (r.template().pattern().equals(t.pattern())) {
                throw new IllegalStateException("a handler is already registered for " + pathTemplate);
            }
        }
        routes.add(new Route(t, Objects.requireNonNull(factory, "factory"), protocols));
        return this;
    }

    /** Adds an authentication or admission hook run before path handlers. */
    public WebTransportRouter intercept(RequestInterceptor interceptor) {
        interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
        return this;
    }

    public WebTransportRouter originPolicy(OriginPolicy policy) {
        this.originPolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /** The registered path templates. */
    public List<String> paths() {
        List<String> out = new ArrayList<>();
        routes.forEach(r -> out.add(r.template().pattern()));
        return out;
    }

    @Override
    public SessionDecision decide(SessionRequest request) throws Exception {
        if (!originPolicy.permits(request)) {
            return new SessionDecision.Reject(403, "origin " + request.origin() + " is not allowed");
        }
        Route match = null;
        Map<String, String> vars = null;
        for (Route r : routes) {
            if (r.template().isLiteral()) {
                Map<String, String> v = r.template().match(request.path());
                if (v != null) {
                    match = r;
                    vars = v;
                    break;
                }
            }
        }
        if (match == null) {
            for (Route r : routes) {
                Map<String, String> v = r.template().match(request.path());
                if (v != null) {
                    match = r;
                    vars = v;
                    break;
                }
            }
        }
        if (match == null) {
            return new SessionDecision.Reject(404, "no WebTransport endpoint at " + request.path());
        }
        for (RequestInterceptor i : interceptors) {
            SessionDecision.Reject reject = i.check(request, vars);
            if (reject != null) {
                return reject;
            }
        }
        String protocol = null;
        if (match.protocols() != null) {
            protocol = match.protocols().select(request.offeredProtocols());
            if (protocol == null && !request.offeredProtocols().isEmpty()) {
                return new SessionDecision.Reject(400, "none of the offered subprotocols is supported");
            }
        }
        WebTransportSessionHandler handler = match.factory().create(request, vars);
        return new SessionDecision.Accept(handler, protocol, vars);
    }
}
