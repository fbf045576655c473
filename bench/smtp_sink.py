#!/usr/bin/env python
"""A real SMTP server (aiosmtpd) in its own process, for the digest benchmark: every message it
accepts becomes one line ``<recipient>\\t<Message-ID>`` in the log file (flushed at once), so the
benchmark can count what arrived and check that nobody got two.

    python bench/smtp_sink.py --port 8825 --log /tmp/sink.log
"""

import argparse
import re
import signal
import sys
import threading

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Handler:
    def __init__(self, log):
        self.log = log
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        headers = envelope.content.split(b"\r\n\r\n", 1)[0]
        match = MESSAGE_ID.search(headers)
        message_id = match.group(1).decode() if match else "-"
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.log.write(f"{rcpt}\t{message_id}\n")
            self.log.flush()
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    with open(args.log, "a", encoding="utf-8") as log:
        controller = Controller(Handler(log), hostname="127.0.0.1", port=args.port)
        controller.start()
        print("ready", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        stop.wait()
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
