package io.pqlscore.generator;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** JSON lines (LF-terminated, UTF-8) to a file or to standard output. */
public final class FileSink implements RecordSink {
    private final OutputStream os;
    private final PrintStream console;
    private boolean downstreamClosed;

    private FileSink(OutputStream os, PrintStream console) {
        this.os = os;
        this.console = console;
    }

    /** Writes to {@code file} (parent directories created, an existing file replaced), or to {@code stdout} for "-". */
    public static FileSink open(String file, PrintStream stdout) throws IOException {
        if (file.equals("-")) {
            return new FileSink(new BufferedOutputStream(stdout, 1 << 16), stdout);
        }
        Path p = Path.of(file).toAbsolutePath();
        if (p.getParent() != null) {
            Files.createDirectories(p.getParent());
        }
        return new FileSink(new BufferedOutputStream(Files.newOutputStream(p), 1 << 20), null);
    }

    @Override
    public void accept(GeneratedRecord r) throws IOException {
        os.write(r.json().getBytes(StandardCharsets.UTF_8));
        os.write('\n');
    }

    @Override
    public void flush() throws IOException {
        os.flush();
        if (console != null && console.checkError()) {
            downstreamClosed = true; // PrintStream swallows a broken pipe; see closedDownstream()
        }
    }

    @Override
    public boolean closedDownstream() {
        return downstreamClosed || console != null && console.checkError();
    }

    @Override
    public void close() throws IOException {
        if (console != null) {
            os.flush(); // never close standard output
        } else {
            os.close();
        }
    }
}
