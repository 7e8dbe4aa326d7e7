"""The CPU samples (jdk.ExecutionSample) of a JFR recording, for scripts/jfr-parts.py and
scripts/jfr-top-frames.py. Needs the JDK's `jfr` tool on the PATH."""
import re
import subprocess

FRAME = re.compile(r'^\s+([\w$.<>/]+)\(.*\)\s+line:')


def samples(path):
    """Yields (thread name, start time HH:MM:SS, frames from the leaf down) per sample."""
    text = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", path],
                          check=True, capture_output=True, text=True).stdout
    thread, frames, start, in_stack = None, [], None, False
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("jdk.ExecutionSample"):
            if frames:
                yield thread, start, frames
            thread, frames, start, in_stack = None, [], None, False
        elif s.startswith("startTime"):
            m = re.search(r'(\d\d:\d\d:\d\d)', s)
            start = m.group(1) if m else None
        elif s.startswith("sampledThread"):
            m = re.search(r'"(.*)"', s)
            thread = m.group(1) if m else s
        elif s.startswith("stackTrace"):
            in_stack = True
        elif in_stack:
            m = FRAME.match(line)
            if m:
                frames.append(m.group(1))
    if frames:
        yield thread, start, frames
