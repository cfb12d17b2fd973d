package dev.webtransport.sample;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Map;

/** Small JSON API used by the page: the last closed sessions with their codes and reasons. */
@RestController
public class SampleController {
    private final SessionLog sessionLog;

    public SampleController(SessionLog sessionLog) {
        this.sessionLog = sessionLog;
    }

    @GetMapping("/api/closed-sessions")
    public List<Map<String, Object>> closedSessions() {
        return sessionLog.recent();
    }
}
