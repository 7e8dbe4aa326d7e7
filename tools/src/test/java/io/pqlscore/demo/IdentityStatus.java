package io.pqlscore.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.metrics.Metrics;
import io.pqlscore.model.JsonValues;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's identity line: what the identity stage (SPEC 8) has done so far, summed over its
 * subtasks, read from the local cluster's REST API (the same metrics the Prometheus reporter
 * exports). Best effort: an empty string when the REST API does not answer yet.
 */
final class IdentityStatus {
    private static final String[] COUNTERS = {Metrics.IDENTITY_RESOLVED, Metrics.IDENTITY_MEMBERSHIPS,
        Metrics.IDENTITY_NO_ACCOUNT};

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final String base;
    private final String jobId;
    private String vertex;
    private final Map<String, String> metricIds = new LinkedHashMap<>();

    IdentityStatus(int restPort, String jobId) {
        this.base = "http://localhost:" + restPort;
        this.jobId = jobId;
    }

    String line() {
        try {
            if (vertex == null) {
                for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
                    if (v.path("name").asText().contains(Metrics.IDENTITY_OPERATOR)) {
                        vertex = v.path("id").asText();
                    }
                }
                if (vertex == null) {
                    return "";
                }
            }
            if (metricIds.size() < COUNTERS.length) {
                for (JsonNode m : get("/jobs/" + jobId + "/vertices/" + vertex + "/subtasks/metrics")) {
                    String id = m.path("id").asText();
                    for (String c : COUNTERS) {
                        if (id.endsWith(Metrics.GROUP + "." + c)) {
                            metricIds.put(c, id);
                        }
                    }
                }
                if (metricIds.size() < COUNTERS.length) {
                    return "";
                }
            }
            List<String> ids = new ArrayList<>(metricIds.values());
            JsonNode values = get("/jobs/" + jobId + "/vertices/" + vertex + "/subtasks/metrics?agg=sum&get="
                    + URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8));
            Map<String, Long> sum = new LinkedHashMap<>();
            for (JsonNode v : values) {
                sum.put(v.path("id").asText(), (long) v.path("sum").asDouble());
            }
            return String.format("identity (SPEC 8): %,d records given their user's account, %,d memberships from group"
                    + " calls, %,d records of users without an account", sum.getOrDefault(metricIds.get(COUNTERS[0]), 0L),
                    sum.getOrDefault(metricIds.get(COUNTERS[1]), 0L), sum.getOrDefault(metricIds.get(COUNTERS[2]), 0L));
        } catch (Exception e) {
            return "";
        }
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(2))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return JsonValues.parse(r.body());
    }
}
