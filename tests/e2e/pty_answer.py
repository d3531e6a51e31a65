#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal (its stdin and stdout are a terminal, as a person's are),
answers ANSWER when it asks the apply question, and prints what the terminal showed.

    pty_answer.py ANSWER COMMAND [ARG...]

Exits with the command's exit code; 99 when the question never came (within 60 s) and the
command did not end either.
"""
import os
import pty
import select
import sys
import time

QUESTION = b"Only 'yes' will be accepted: "


def main():
    answer, argv = sys.argv[1].encode(), sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    shown = b""
    answered = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the command ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        if not answered and shown.endswith(QUESTION):
            os.write(fd, answer + b"\n")
            answered = True
    else:
        os.kill(pid, 9)
        sys.stdout.buffer.write(shown)
        return 99
    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(shown)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
