package io.pqlscore.events;

/**
 * Where a record came from: a Kafka topic, partition and offset, or for a file replay the file,
 * partition 0 and the 1-based line number. A POJO so it travels with Flink's own serializer.
 */
public class SourcePosition {
    public String source;
    public int partition;
    public long offset;

    public SourcePosition() {}

    public SourcePosition(String source, int partition, long offset) {
        this.source = source;
        this.partition = partition;
        this.offset = offset;
    }

    @Override
    public String toString() {
        return source + "[" + partition + "]@" + offset;
    }
}
