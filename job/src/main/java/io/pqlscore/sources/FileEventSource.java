package io.pqlscore.sources;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.pipeline.EventSource;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** JSON-lines files or directories: a bounded replay, or continuously watched for new files. */
public final class FileEventSource implements EventSource {
    private static final long serialVersionUID = 1L;

    private final List<String> paths;
    private final Duration monitorInterval; // null: bounded

    public FileEventSource(List<String> paths, Duration monitorInterval) {
        this.paths = List.copyOf(paths);
        this.monitorInterval = monitorInterval;
    }

    @Override
    public DataStream<ParsedRecord> open(StreamExecutionEnvironment env, EventParser parser,
            WatermarkStrategy<ParsedRecord> watermarks) {
        FileSource.FileSourceBuilder<ParsedRecord> b = FileSource.forBulkFileFormat(new JsonLinesFiles(parser),
                paths.stream().map(Path::new).toArray(Path[]::new));
        if (monitorInterval != null) {
            b.monitorContinuously(monitorInterval);
        }
        return env.fromSource(b.build(), watermarks, "usage events (JSON lines)").uid(UID);
    }
}
