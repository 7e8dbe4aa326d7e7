package io.pqlscore.inspector;

import io.pqlscore.command.ProjectVersion;
import io.pqlscore.command.Tool;
import io.pqlscore.events.Timestamps;
import io.pqlscore.model.ModelLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code pqlscore inspect}: every entity a savepoint of the job holds, one JSON line each
 * ({@link SavepointInspector}; docs/SAVEPOINTS.md, "Savepoint inspector").
 */
@Command(name = "inspect", header = "Write the scores a savepoint holds as JSON lines.",
        mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        description = {"Reads a savepoint (or a retained checkpoint) of the scoring job with Flink's State Processor API"
                + " and writes every entity it holds, each account and each of its users, as one JSON line: the shape of"
                + " a current-score row plus the entity's bookkeeping. For audits, and to seed a warehouse table."},
        exitCodeList = {"0:done", "1:the savepoint could not be read", "2:nothing ran: a bad command line or model"})
public final class InspectCommand extends Tool {
    @Option(names = "--savepoint", paramLabel = "PATH", required = true,
            description = "savepoint or retained checkpoint directory (local path or URI, e.g. s3://...)")
    String savepoint;

    @Option(names = "--model", paramLabel = "PATH",
            description = "the scoring model the job ran with (default: ${DEFAULT-VALUE})")
    String model = ModelLoader.DEFAULT_MODEL;

    @Option(names = "--output", paramLabel = "FILE", description = "JSON-lines file to write, or - for standard output"
            + " (default: ${DEFAULT-VALUE})")
    String output = "-";

    @Option(names = "--as-of", paramLabel = "INSTANT", converter = AsOf.class,
            description = "score every entity at this ISO-8601 instant, or 'last' (the default): each at its last evaluation")
    Long asOf;

    @Option(names = "--state-backend", paramLabel = "BACKEND",
            description = "hashmap (reads canonical savepoints) or rocksdb (also native RocksDB savepoints and incremental"
                    + " checkpoints) (default: ${DEFAULT-VALUE})")
    String stateBackend = "hashmap";

    @Override
    public Integer call() {
        if (savepoint.isBlank()) {
            throw usageError("--savepoint is empty");
        }
        if (!stateBackend.equals("hashmap") && !stateBackend.equals("rocksdb")) {
            throw usageError("--state-backend is hashmap or rocksdb, got '" + stateBackend + "'");
        }
        SavepointInspector.Options o = new SavepointInspector.Options();
        o.savepoint = savepoint;
        o.model = model;
        o.output = output;
        o.asOf = asOf;
        o.stateBackend = stateBackend;
        return SavepointInspector.run(o, stdout, stderr);
    }

    /** {@code --as-of}: an instant with an offset, or {@code last} (null: each entity's last evaluation). */
    public static final class AsOf implements ITypeConverter<Long> {
        @Override
        public Long convert(String v) {
            if (v.equals("last")) {
                return null;
            }
            long t = Timestamps.parseMillis(v);
            if (t == Long.MIN_VALUE) {
                throw new TypeConversionException("needs an ISO-8601 instant with an offset (e.g. 2026-04-01T00:00:00Z)"
                        + " or 'last', got '" + v + "'");
            }
            return t;
        }
    }
}
