package io.pqlscore;

import io.pqlscore.config.JobOptions;
import io.pqlscore.jdbc.JdbcSinks;
import io.pqlscore.kafka.KafkaEventSource;
import io.pqlscore.kafka.KafkaSinks;
import io.pqlscore.pipeline.EventSource;
import io.pqlscore.pipeline.ScoringSinks;
import io.pqlscore.sinks.CombinedSinks;
import io.pqlscore.sinks.JsonLinesSinks;
import io.pqlscore.sinks.PrintSinks;
import io.pqlscore.sources.FileEventSource;
import java.util.ArrayList;
import java.util.List;

/** Chooses the source and the sinks from the options: the one place that knows them all. */
public final class Connectors {
    private Connectors() {}

    public static EventSource source(JobOptions options) {
        if (options.readsKafka()) {
            return new KafkaEventSource(options);
        }
        return new FileEventSource(options.inputs, options.continuous ? options.monitorInterval : null);
    }

    public static ScoringSinks sinks(JobOptions options) {
        List<ScoringSinks> parts = new ArrayList<>();
        if (options.output != null) {
            parts.add(new JsonLinesSinks(options.output));
        }
        if (options.transitionsTopic != null || options.deadLettersTopic != null) {
            parts.add(new KafkaSinks(options));
        }
        if (options.jdbcUrl != null) {
            parts.add(new JdbcSinks(options));
        }
        if (options.print || parts.isEmpty()) {
            parts.add(new PrintSinks());
        }
        return new CombinedSinks(parts);
    }
}
