package io.pqlscore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's code paths on a tiny input (50 accounts, 2,000 records), so that a change to the
 * job (an operator renamed, a metric gone, a connector API) breaks the build rather than the next
 * benchmark run: pre-load, baseline, the keyed floors, full job with exactly-once Kafka output and its checkpoint
 * statistics, savepoint and state analysis, results.json. Not a measurement: the numbers of so
 * small a run mean nothing. Latency and replay share the job-building and timing code tested here.
 */
class BenchmarkSmokeTest {

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void throughputAndStateRunOnATinyInput(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Benchmark.Options o = Benchmark.Options.parse(new String[] {"--only", "throughput", "--no-ingest-breakdown", "--baseline-runs", "1",
            "--accounts", "50", "--events", "2000", "--partitions", "2", "--checkpoint-interval", "2s",
            "--drain-timeout", "2m", "--work-dir", dir.resolve("work").toString(), "--out", out.toString(), "--fresh"});

        Benchmark.run(o);

        JsonNode r = Benchmark.JSON.readTree(Files.readString(out.resolve("results.json")));
        JsonNode t = r.path("throughput");
        assertThat(t.path("scale").path("events").asLong()).isEqualTo(2000);
        assertThat(t.path("baseline_before").path("events_per_s").asLong()).isPositive();
        assertThat(t.path("full").path("events_per_s").asLong()).isPositive();
        assertThat(t.path("full").path("transitions").asLong()).isPositive();
        assertThat(t.path("ratio_full_to_baseline").asDouble()).isPositive();
        assertThat(t.path("floors").path("state").path("events_per_s").asLong()).isPositive();
        assertThat(t.path("floors").path("order").path("ratio_to_baseline").asDouble()).isPositive();
        assertThat(t.path("full").path("checkpoints_after_run").path("full").path("state_size_bytes").asLong())
                .isPositive();
        assertThat(t.path("state").path("bytes_per_user").asLong()).isPositive();
        assertThat(t.path("state").path("by_operator_bytes").has(io.pqlscore.pipeline.ScoringTopology.UID_ACCOUNTS)).isTrue();
        // the same run on the Segment-style stream: identity resolution at work, its state per user measured
        JsonNode id = t.path("identity_stream");
        assertThat(id.path("full").path("events_per_s").asLong()).isPositive();
        assertThat(id.path("baseline").path("events_per_s").asLong()).isPositive();
        assertThat(id.path("records_resolved").asLong()).isPositive();
        assertThat(id.path("full").path("identity_no_account").asLong()).isZero();
        assertThat(id.path("state").path("identity_stage_bytes_per_user").asLong()).isPositive();
    }
}
