package io.pqlscore.testing;

import io.pqlscore.config.JobOptions;
import io.pqlscore.events.DeadLetter;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.EventSource;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.pipeline.ScoringSinks;
import io.pqlscore.pipeline.ScoringStreams;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.Transition;
import io.pqlscore.sources.FileEventSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/** Runs the whole job (file source, real operators) on the test MiniCluster and collects outputs. */
public final class JobRun {
    public final List<Transition> transitions = new ArrayList<>();
    public final List<CurrentScore> scores = new ArrayList<>();
    public final List<DeadLetter> deadLetters = new ArrayList<>();

    public static JobRun run(ScoringModel model, Path events, int parallelism) throws Exception {
        return run(model, events, parallelism, null);
    }

    /** As {@link #run(ScoringModel, Path, int)}, with the job's own sinks attached too (e.g. JsonLinesSinks). */
    public static JobRun run(ScoringModel model, Path events, int parallelism, ScoringSinks sinks) throws Exception {
        return run(model, events, parallelism, sinks, false);
    }

    /**
     * As {@link #run(ScoringModel, Path, int, ScoringSinks)}; {@code punctuated}: a watermark after
     * each record (one reader), so that a replay moves event time in many small steps, as a live
     * stream does, instead of one (the current-score rows, written per entity and watermark step,
     * then show entities still alive).
     */
    public static JobRun run(ScoringModel model, Path events, int parallelism, ScoringSinks sinks, boolean punctuated)
            throws Exception {
        JobOptions options = JobOptions.parse("--input", events.toString(), "--parallelism", Integer.toString(parallelism));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EventSource source = new FileEventSource(options.inputs, null);
        if (punctuated) {
            source = new PunctuatedSource(source, model.time().maxOutOfOrdernessMs());
        }
        ScoringStreams streams = new ScoringPipeline(options, model, source, sinks).build(env);
        CloseableIterator<Transition> t = streams.transitions.collectAsync();
        CloseableIterator<CurrentScore> s = streams.scores.collectAsync();
        CloseableIterator<DeadLetter> d = streams.deadLetters.collectAsync();
        env.execute("test run of " + events.getFileName());
        JobRun run = new JobRun();
        t.forEachRemaining(run.transitions::add);
        s.forEachRemaining(run.scores::add);
        d.forEachRemaining(run.deadLetters::add);
        t.close();
        s.close();
        d.close();
        return run;
    }
}
