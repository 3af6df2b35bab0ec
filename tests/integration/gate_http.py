#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""gate_http.py - an HTTP file server whose /gate/ paths wait for a gate.

    gate_http.py ADDR PORT DIR GATEFILE

Serves DIR like `python3 -m http.server`, one thread per request, with
the same access log on stderr.  A GET of /gate/NAME first prints
"waiting CLIENT-ADDR NAME" to stderr, then waits until GATEFILE exists
(at most 60 s) before it serves DIR/NAME.  A test uses it to keep
several client processes connected, and so holding whatever they hold,
until it has seen them all; it opens the gate by creating GATEFILE.
"""
import functools
import http.server
import os
import sys
import time


class Handler(http.server.SimpleHTTPRequestHandler):
    gate = None

    def do_GET(self):
        if self.path.startswith("/gate/"):
            sys.stderr.write("waiting %s %s\n" %
                             (self.client_address[0], self.path[6:]))
            sys.stderr.flush()
            end = time.monotonic() + 60
            while not os.path.exists(self.gate) and time.monotonic() < end:
                time.sleep(0.05)
            self.path = "/" + self.path[6:]
        super().do_GET()

    def log_message(self, fmt, *args):
        super().log_message(fmt, *args)
        sys.stderr.flush()


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: gate_http.py ADDR PORT DIR GATEFILE")
    addr, port, root, Handler.gate = sys.argv[1:]
    handler = functools.partial(Handler, directory=root)
    srv = http.server.ThreadingHTTPServer((addr, int(port)), handler)
    sys.stderr.write("serving %s on %s port %s\n" % (root, addr, port))
    sys.stderr.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
