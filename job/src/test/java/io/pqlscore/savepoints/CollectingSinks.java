package io.pqlscore.savepoints;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.events.DeadLetter;
import io.pqlscore.pipeline.ScoringSinks;
import io.pqlscore.pipeline.ScoringStreams;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.Transition;
import io.pqlscore.sinks.OutputJson;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Test sinks that hand the job's three outputs to the test in the same JVM (the MiniCluster's
 * task threads), as the JSON lines of {@link OutputJson}, without the wall-clock
 * {@code emitted_at}: every remaining field is fixed by SPEC 5/7, so two runs over the same input
 * must produce equal lines. Dead letters drop {@code source} and {@code offset}, which depend on
 * how the input was cut into files.
 *
 * <p>Unlike {@code collectAsync}, nothing here waits for checkpoints, and a record is visible the
 * moment the sink writes it: what a job emitted before a stop-with-savepoint is all there, and
 * nothing is emitted after the savepoint barrier. The sinks keep no state; their uids
 * ({@code savepoint-test-*}) only satisfy {@code pipeline.auto-generate-uids: false}.
 */
final class CollectingSinks implements ScoringSinks {
    private static final long serialVersionUID = 1L;

    private static final Map<String, Queue<String>> OUT = new ConcurrentHashMap<>();

    private final String tag;

    /** Outputs go to queues named after {@code tag}: one tag per job run. */
    CollectingSinks(String tag) {
        this.tag = tag;
        OUT.remove(tag + "/transitions");
        OUT.remove(tag + "/scores");
        OUT.remove(tag + "/dead-letters");
    }

    @Override
    public void attach(ScoringStreams streams) {
        streams.transitions.sinkTo(new QueueSink<>(tag + "/transitions", CollectingSinks::transition))
                .uid("savepoint-test-transitions").name("collect transitions");
        streams.scores.sinkTo(new QueueSink<>(tag + "/scores", CollectingSinks::score))
                .uid("savepoint-test-scores").name("collect current scores");
        streams.deadLetters.sinkTo(new QueueSink<>(tag + "/dead-letters", CollectingSinks::deadLetter))
                .uid("savepoint-test-dead-letters").name("collect dead letters");
    }

    List<String> transitions() {
        return lines(tag + "/transitions");
    }

    List<String> scores() {
        return lines(tag + "/scores");
    }

    List<String> deadLetters() {
        return lines(tag + "/dead-letters");
    }

    /** Lines written so far, in the order the sinks wrote them (per entity: event-time order). */
    private static List<String> lines(String name) {
        Queue<String> q = OUT.get(name);
        return q == null ? new ArrayList<>() : new ArrayList<>(q);
    }

    static String transition(Transition t) {
        ObjectNode n = OutputJson.transition(t);
        n.remove("emitted_at");
        return OutputJson.text(n);
    }

    static String score(CurrentScore s) {
        return OutputJson.text(OutputJson.currentScore(s));
    }

    static String deadLetter(DeadLetter d) {
        ObjectNode n = OutputJson.deadLetter(d);
        n.remove("source");
        n.remove("offset");
        return OutputJson.text(n);
    }

    interface Format<T> extends Serializable {
        String apply(T value);
    }

    private static final class QueueSink<T> implements Sink<T> {
        private static final long serialVersionUID = 1L;

        private final String name;
        private final Format<T> format;

        QueueSink(String name, Format<T> format) {
            this.name = name;
            this.format = format;
        }

        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            Queue<String> q = OUT.computeIfAbsent(name, n -> new ConcurrentLinkedQueue<>());
            return new SinkWriter<>() {
                @Override
                public void write(T element, Context ctx) {
                    q.add(format.apply(element));
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
