package io.pqlscore.sources;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * Reads JSON-lines files as usage records (SPEC 7): a record is one line without its LF or CRLF
 * terminator; blank lines are not records. Each record is parsed where it is read, so the source
 * can watermark per split, and carries its file and 1-based line number as source coordinates.
 *
 * <p>Files are not split. On restore Flink's adapter re-opens the file and skips the records
 * already emitted, so line numbers stay exact.
 */
public final class JsonLinesFormat implements StreamFormat<ParsedRecord> {
    private static final long serialVersionUID = 1L;

    private final EventParser parser;
    private final String sourceName;

    /**
     * @param sourceName the coordinates' source name (the file's path, see {@link JsonLinesFiles});
     *     null gives the name "file".
     */
    public JsonLinesFormat(EventParser parser, String sourceName) {
        this.parser = parser;
        this.sourceName = sourceName;
    }

    @Override
    public Reader<ParsedRecord> createReader(Configuration config, FSDataInputStream stream, long fileLen, long splitEnd) {
        return new LineReader(stream, parser, sourceName == null ? "file" : sourceName, parser.maxRecordBytes());
    }

    @Override
    public Reader<ParsedRecord> restoreReader(Configuration config, FSDataInputStream stream, long restoredOffset,
            long fileLen, long splitEnd) throws IOException {
        if (restoredOffset != 0) {
            throw new IOException("JSON-lines files are re-read from the start on restore; got offset " + restoredOffset);
        }
        return createReader(config, stream, fileLen, splitEnd);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<ParsedRecord> getProducedType() {
        return TypeInformation.of(ParsedRecord.class);
    }

    /** Splits the byte stream on LF, strips a trailing CR, skips blank lines. */
    static final class LineReader implements Reader<ParsedRecord> {
        private static final int BUFFER = 64 * 1024;

        private final FSDataInputStream in;
        private final EventParser parser;
        private final String source;
        private final int maxLineBytes;
        private final byte[] buf = new byte[BUFFER];
        private int pos;
        private int limit;
        private long line;
        private boolean eof;

        LineReader(FSDataInputStream in, EventParser parser, String source, int maxRecordBytes) {
            this.in = in;
            this.parser = parser;
            this.source = source;
            // keep at most this much of an over-long line: enough to report it, bounded in memory
            this.maxLineBytes = maxRecordBytes + 1;
        }

        @Override
        public ParsedRecord read() throws IOException {
            while (true) {
                byte[] bytes = nextLine();
                if (bytes == null) {
                    return null;
                }
                line++;
                if (isBlank(bytes)) {
                    continue;
                }
                return parser.parse(bytes, new SourcePosition(source, 0, line));
            }
        }

        private byte[] nextLine() throws IOException {
            ByteArrayOutputStream acc = null;
            long total = 0;
            while (true) {
                if (pos >= limit) {
                    if (eof || !fill()) {
                        eof = true;
                        if (acc == null) {
                            return null;
                        }
                        return terminated(acc, total);
                    }
                }
                int start = pos;
                while (pos < limit && buf[pos] != '\n') {
                    pos++;
                }
                int len = pos - start;
                boolean found = pos < limit;
                if (acc == null) {
                    acc = new ByteArrayOutputStream(Math.max(16, len));
                }
                long room = maxLineBytes - total;
                if (room > 0) {
                    acc.write(buf, start, (int) Math.min(room, len));
                }
                total += len;
                if (found) {
                    pos++; // consume the LF
                    return terminated(acc, total);
                }
            }
        }

        private boolean fill() throws IOException {
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) {
                return false;
            }
            pos = 0;
            limit = n;
            return true;
        }

        /**
         * The line without its terminator. An over-long line is truncated to one byte more than the
         * limit, so the parser reports it as too_large; its last kept byte is then not a terminator
         * (the CR, if any, is further on) and must stay, or a truncated line whose cut falls on a CR
         * inside it would shrink back to the limit and pass as its prefix.
         */
        private byte[] terminated(ByteArrayOutputStream acc, long total) {
            byte[] bytes = acc.toByteArray();
            return total > maxLineBytes ? bytes : stripCr(bytes);
        }

        private static byte[] stripCr(byte[] b) {
            return b.length > 0 && b[b.length - 1] == '\r' ? Arrays.copyOf(b, b.length - 1) : b;
        }

        private static boolean isBlank(byte[] b) {
            for (byte x : b) {
                if (x != ' ' && x != '\t' && x != '\r') {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
