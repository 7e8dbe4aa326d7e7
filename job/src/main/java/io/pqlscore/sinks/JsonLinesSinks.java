package io.pqlscore.sinks;

import io.pqlscore.pipeline.ScoringSinks;
import io.pqlscore.pipeline.ScoringStreams;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;

/**
 * Writes {@code transitions/}, {@code scores/} and {@code dead-letters/} as JSON lines under one
 * directory with Flink's {@link FileSink}: files are committed on checkpoints (and at the end of
 * a bounded replay), so a restart never leaves a half-written record visible.
 */
public final class JsonLinesSinks implements ScoringSinks {
    private static final long serialVersionUID = 1L;

    private final String directory;

    public JsonLinesSinks(String directory) {
        this.directory = directory;
    }

    @Override
    public void attach(ScoringStreams s) {
        write(s.transitions.map(t -> OutputJson.text(OutputJson.transition(t))).returns(Types.STRING)
                .uid("transitions-json").name("transitions as JSON"), "transitions");
        write(s.scores.map(c -> OutputJson.text(OutputJson.currentScore(c))).returns(Types.STRING)
                .uid("scores-json").name("current scores as JSON"), "scores");
        write(s.deadLetters.map(d -> OutputJson.text(OutputJson.deadLetter(d))).returns(Types.STRING)
                .uid("dead-letters-json").name("dead letters as JSON"), "dead-letters");
    }

    private void write(DataStream<String> lines, String name) {
        FileSink<String> sink = FileSink
                .forRowFormat(new Path(directory, name), new SimpleStringEncoder<String>("UTF-8"))
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix(name).withPartSuffix(".jsonl").build())
                .build();
        lines.sinkTo(sink).uid(name + "-file-sink").name(name + " files");
    }
}
