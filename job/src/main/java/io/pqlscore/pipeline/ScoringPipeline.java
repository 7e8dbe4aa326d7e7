package io.pqlscore.pipeline;

import io.pqlscore.config.JobOptions;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.scoring.ScoreEngine;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Builds the whole job on an environment: its safety settings, a source, the scoring topology
 * and sinks. The job's {@code main} and the tests both use it, with different sources and sinks.
 */
public final class ScoringPipeline {
    private final JobOptions options;
    private final ScoringModel model;
    private final EventSource source;
    private final ScoringSinks sinks;
    private boolean signalPointsInScores;

    public ScoringPipeline(JobOptions options, ScoringModel model, EventSource source, ScoringSinks sinks) {
        this.options = options;
        this.model = model;
        this.source = source;
        this.sinks = sinks;
    }

    /**
     * The backtest's only change to the job: a current-score row for every evaluation (the
     * streaming job writes the latest per entity and watermark step), each also carrying each
     * signal's points ({@link ScoreEngine#withSignalPointsInScores}). Same operators, same
     * transitions.
     */
    public ScoringPipeline forBacktest() {
        this.signalPointsInScores = true;
        return this;
    }

    /** Adds the job to {@code env} and returns its streams (also attached to the sinks). */
    public ScoringStreams build(StreamExecutionEnvironment env) {
        configure(env, options);
        EventParser parser = new EventParser(model, options.maxRecordBytes, options.maxDepth)
                .eventTimeBounds(options.minEventTime == null ? Long.MIN_VALUE : options.minEventTime, options.maxFuture == null ? 0 : options.maxFuture.toMillis());
        DataStream<ParsedRecord> records = source.open(env, parser,
                ScoringTopology.watermarks(model, options.idleTimeout));
        ScoreEngine engine = new ScoreEngine(model, options.topSignals, System::currentTimeMillis);
        if (signalPointsInScores) {
            engine.withSignalPointsInScores();
        }
        if (sinks != null && !sinks.takesCurrentScores()) {
            engine.withoutCurrentScores();
        }
        ScoringStreams streams = ScoringTopology.defineWorkflow(records, engine,
                new ScoringTopology.Tuning(options.bufferHeapRecords, options.stateCacheAccounts, signalPointsInScores));
        if (sinks != null) {
            sinks.attach(streams);
        }
        return streams;
    }

    /**
     * Settings the job's correctness and savepoint compatibility depend on are enforced here,
     * whatever the cluster's configuration says: no Kryo, no generated uids, a fixed max parallelism,
     * object reuse.
     */
    public static void configure(StreamExecutionEnvironment env, JobOptions options) {
        Configuration c = new Configuration();
        c.set(PipelineOptions.GENERIC_TYPES, false);
        c.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        // Object reuse on: without it every record handed to a chained operator is deep-copied
        // first, and those copies were a top cost (docs/measurements/engine-performance.md). It is
        // safe here because no operator changes a record it received or emitted, every operator
        // emits new objects, and the records the ordered operators (identity, account stage) keep
        // arrive over the network, whose deserializer always makes new objects, reuse or not.
        c.set(PipelineOptions.OBJECT_REUSE, true);
        env.configure(c);
        env.setMaxParallelism(options.maxParallelism);
        if (options.parallelism > 0) {
            env.setParallelism(options.parallelism);
        }
    }
}
