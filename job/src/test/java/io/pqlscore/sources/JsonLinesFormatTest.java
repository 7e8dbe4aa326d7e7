package io.pqlscore.sources;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.RejectReason;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.Shared;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC 7 records in a file replay: one line without its LF or CRLF terminator, blank lines skipped. */
class JsonLinesFormatTest {

    private static final String SOURCE = "events.jsonl";

    private static ScoringModel model;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
    }

    private static String record(String messageId) {
        return "{\"type\":\"track\",\"event\":\"Ping\",\"timestamp\":\"2026-03-02T09:00:00Z\",\"groupId\":\"acme\","
                + "\"userId\":\"u1\",\"messageId\":\"" + messageId + "\"}";
    }

    private Path write(byte[] content) throws IOException {
        Path file = dir.resolve("in-" + System.nanoTime() + ".jsonl");
        Files.write(file, content);
        return file;
    }

    private Path write(String content) throws IOException {
        return write(content.getBytes(StandardCharsets.UTF_8));
    }

    private static List<ParsedRecord> readAll(Path file, EventParser parser) throws IOException {
        long len = Files.size(file);
        FSDataInputStream in = FileSystem.getLocalFileSystem().open(new org.apache.flink.core.fs.Path(file.toUri()));
        JsonLinesFormat format = new JsonLinesFormat(parser, SOURCE);
        assertThat(format.isSplittable()).isFalse();
        List<ParsedRecord> out = new ArrayList<>();
        StreamFormat.Reader<ParsedRecord> reader = format.createReader(new Configuration(), in, len, len);
        try {
            ParsedRecord r;
            while ((r = reader.read()) != null) {
                out.add(r);
            }
            // and it stays at the end
            assertThat(reader.read()).isNull();
        } finally {
            reader.close();
        }
        return out;
    }

    private static List<ParsedRecord> readAll(Path file) throws IOException {
        return readAll(file, new EventParser(model));
    }

    private static long line(ParsedRecord r) {
        return r.isValid() ? r.position.offset : r.deadLetter.offset;
    }

    @Test
    void linesInOrderWithLineNumbersCountingBlankLines() throws IOException {
        String content = record("m1") + "\n"            // line 1, LF
                + record("m2") + "\r\n"                  // line 2, CRLF
                + "\n"                                   // line 3, blank
                + record("m4") + "\r\n"                  // line 4
                + "   \t \r\n"                           // line 5, blank (whitespace, CRLF)
                + "\r\n"                                 // line 6, blank CRLF
                + "not json\n"                           // line 7, rejected
                + record("m8");                          // line 8, no terminator
        List<ParsedRecord> records = readAll(write(content));

        assertThat(records).hasSize(5);
        assertThat(records).extracting(JsonLinesFormatTest::line).containsExactly(1L, 2L, 4L, 7L, 8L);
        assertThat(records.get(0).event.messageId).isEqualTo("m1");
        assertThat(records.get(1).event.messageId).isEqualTo("m2");
        assertThat(records.get(2).event.messageId).isEqualTo("m4");
        assertThat(records.get(3).isValid()).isFalse();
        assertThat(records.get(3).deadLetter.reason).isEqualTo(RejectReason.BAD_JSON.code());
        assertThat(records.get(3).deadLetter.payload).isEqualTo("not json");
        assertThat(records.get(4).event.messageId).isEqualTo("m8");
        for (ParsedRecord r : records) {
            if (r.isValid()) {
                assertThat(r.position.source).isEqualTo(SOURCE);
                assertThat(r.position.partition).isZero();
            } else {
                assertThat(r.deadLetter.source).isEqualTo(SOURCE);
                assertThat(r.deadLetter.partition).isZero();
            }
        }
    }

    @Test
    void crIsStrippedFromTheRecordBytes() throws IOException {
        String withoutMessageId = "{\"type\":\"track\",\"event\":\"Ping\",\"timestamp\":\"2026-03-02T09:00:00Z\",\"groupId\":\"acme\"}";
        List<ParsedRecord> records = readAll(write(withoutMessageId + "\r\n" + withoutMessageId + "\n"));
        assertThat(records).hasSize(2);
        // the raw bytes are the line without its terminator, so both fall back to the same SHA-256
        String expected = EventParser.sha256Hex(withoutMessageId.getBytes(StandardCharsets.UTF_8));
        assertThat(records.get(0).event.messageId).isEqualTo(expected);
        assertThat(records.get(1).event.messageId).isEqualTo(expected);
        assertThat(records.get(0).raw).isEqualTo(withoutMessageId.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void onlyOneTrailingCrIsATerminator() throws IOException {
        // a line ending in CR CR LF keeps one CR: that record is the JSON then a CR, still valid JSON
        // (whitespace), but its bytes differ from the plain record
        String text = "{\"type\":\"track\",\"event\":\"Ping\",\"timestamp\":\"2026-03-02T09:00:00Z\",\"groupId\":\"acme\"}";
        List<ParsedRecord> records = readAll(write(text + "\r\r\n"));
        assertThat(records).hasSize(1);
        assertThat(records.get(0).raw).isEqualTo((text + "\r").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void emptyFileAndOnlyBlankLines() throws IOException {
        assertThat(readAll(write(""))).isEmpty();
        assertThat(readAll(write("\n\r\n  \n\t"))).isEmpty();
    }

    @Test
    void lastLineWithoutTerminator() throws IOException {
        List<ParsedRecord> records = readAll(write("\n\n" + record("last")));
        assertThat(records).hasSize(1);
        assertThat(records.get(0).event.messageId).isEqualTo("last");
        assertThat(records.get(0).position.offset).isEqualTo(3L);
        // a trailing CR without LF at end of file is stripped as well
        List<ParsedRecord> cr = readAll(write(record("a") + "\n" + record("b") + "\r"));
        assertThat(cr).extracting(r -> r.event.messageId).containsExactly("a", "b");
    }

    @Test
    void overLongLineIsTooLargeAndReadingGoesOn() throws IOException {
        int max = 200;
        EventParser parser = new EventParser(model, max, EventParser.DEFAULT_MAX_DEPTH);
        String longLine = "{\"type\":\"track\",\"event\":\"Ping\",\"pad\":\"" + "x".repeat(1000) + "\"}";
        String exactly = record("m3") + " ".repeat(max - record("m3").length());
        assertThat(exactly.getBytes(StandardCharsets.UTF_8)).hasSize(max);
        String content = record("m1") + "\n" + longLine + "\r\n" + exactly + "\r\n" + record("m4") + "\n";

        List<ParsedRecord> records = readAll(write(content), parser);
        assertThat(records).extracting(JsonLinesFormatTest::line).containsExactly(1L, 2L, 3L, 4L);
        assertThat(records.get(0).event.messageId).isEqualTo("m1");
        ParsedRecord tooLarge = records.get(1);
        assertThat(tooLarge.isValid()).isFalse();
        assertThat(tooLarge.deadLetter.reason).isEqualTo(RejectReason.TOO_LARGE.code());
        assertThat(tooLarge.deadLetter.offset).isEqualTo(2L);
        assertThat(tooLarge.deadLetter.source).isEqualTo(SOURCE);
        // the reader keeps a bounded prefix of an over-long line for the dead letter
        assertThat(longLine).startsWith(tooLarge.deadLetter.payload);
        assertThat(tooLarge.deadLetter.payload.length()).isGreaterThan(max);
        // a line of exactly the maximum (its CR not counted) is a record
        assertThat(records.get(2).isValid()).isTrue();
        assertThat(records.get(2).event.messageId).isEqualTo("m3");
        assertThat(records.get(3).event.messageId).isEqualTo("m4");
    }

    @Test
    void overLongLineWhoseCutFallsOnACarriageReturnIsStillTooLarge() throws IOException {
        // the first max bytes are a valid record, then a CR inside the line, then more text: the
        // line is longer than the maximum, so it is too_large, never the valid-looking prefix
        String valid = record("m1");
        int max = valid.length();
        EventParser parser = new EventParser(model, max, EventParser.DEFAULT_MAX_DEPTH);
        List<ParsedRecord> records = readAll(write(valid + "\r trailing text\n" + record("m2") + "\n"), parser);
        assertThat(records).hasSize(2);
        assertThat(records.get(0).isValid()).as("%s", records.get(0).event).isFalse();
        assertThat(records.get(0).deadLetter.reason).isEqualTo(RejectReason.TOO_LARGE.code());
        assertThat(records.get(1).event.messageId).isEqualTo("m2");
    }

    @Test
    void linesSpanningTheReadBuffer() throws IOException {
        // records longer than the reader's 64 KiB buffer, and CRLF split across a buffer boundary
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> ids = new ArrayList<>();
        String big = "{\"type\":\"track\",\"event\":\"Ping\",\"timestamp\":\"2026-03-02T09:00:00Z\",\"groupId\":\"acme\","
                + "\"properties\":{\"pad\":\"" + "y".repeat(150_000) + "\"},\"messageId\":\"big\"}";
        out.writeBytes(big.getBytes(StandardCharsets.UTF_8));
        out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        ids.add("big");
        for (int i = 0; out.size() < 400_000; i++) {
            String id = "m" + i;
            out.writeBytes(record(id).getBytes(StandardCharsets.UTF_8));
            out.writeBytes((i % 2 == 0 ? "\r\n" : "\n").getBytes(StandardCharsets.UTF_8));
            ids.add(id);
        }
        List<ParsedRecord> records = readAll(write(out.toByteArray()));
        assertThat(records).allSatisfy(r -> assertThat(r.isValid()).as("%s", r.deadLetter).isTrue());
        assertThat(records).extracting(r -> r.event.messageId).containsExactlyElementsOf(ids);
        for (int i = 0; i < records.size(); i++) {
            assertThat(records.get(i).position.offset).isEqualTo(i + 1L);
        }

        // every position of a CRLF relative to the 64 KiB boundary
        for (int shift = -3; shift <= 3; shift++) {
            String first = "{\"type\":\"track\",\"event\":\"Ping\",\"timestamp\":\"2026-03-02T09:00:00Z\",\"groupId\":\"acme\","
                    + "\"messageId\":\"a\",\"p\":\"";
            int padLen = 64 * 1024 - first.length() - 2 + shift; // "\"}" closes it
            String line = first + "z".repeat(padLen) + "\"}";
            List<ParsedRecord> rs = readAll(write(line + "\r\n" + record("b") + "\r\n"));
            assertThat(rs).as("shift %d", shift).extracting(r -> r.isValid() ? r.event.messageId : r.deadLetter.reason)
                    .containsExactly("a", "b");
        }
    }

    @Test
    void restoreOnlyFromTheStart() throws IOException {
        Path file = write(record("m1") + "\n");
        long len = Files.size(file);
        JsonLinesFormat format = new JsonLinesFormat(new EventParser(model), SOURCE);
        FSDataInputStream in = FileSystem.getLocalFileSystem().open(new org.apache.flink.core.fs.Path(file.toUri()));
        StreamFormat.Reader<ParsedRecord> reader = format.restoreReader(new Configuration(), in, 0, len, len);
        assertThat(reader.read().event.messageId).isEqualTo("m1");
        assertThat(reader.read()).isNull();
        reader.close();
    }
}
