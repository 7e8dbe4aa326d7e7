package io.pqlscore.sources;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;

/**
 * A {@link BulkFormat} that gives each file's reader its own path as the records' source name,
 * so a dead letter says which file and line it came from.
 */
public final class JsonLinesFiles implements BulkFormat<ParsedRecord, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    private final EventParser parser;

    public JsonLinesFiles(EventParser parser) {
        this.parser = parser;
    }

    private StreamFormatAdapter<ParsedRecord> forFile(FileSourceSplit split) {
        return new StreamFormatAdapter<>(new JsonLinesFormat(parser, split.path().toString()));
    }

    @Override
    public Reader<ParsedRecord> createReader(Configuration config, FileSourceSplit split) throws IOException {
        return forFile(split).createReader(config, split);
    }

    @Override
    public Reader<ParsedRecord> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        return forFile(split).restoreReader(config, split);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<ParsedRecord> getProducedType() {
        return TypeInformation.of(ParsedRecord.class);
    }
}
