#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# api_peer.py - the kernel-side servers api_test talks to (run in the peer
# namespace by api_test.sh; ends when killed or after the given seconds).
#
#   python3 api_peer.py ADDR [SECONDS]
#
#   7000  echo
#   7001  accept, then close (FIN)
#   7002  accept, never read (small receive buffer), hold the connection
#   7003  send "abc", 0.4 s later "defgh", then read until EOF
#   7004  read until EOF or reset; the outcome ("EOF"/"RST") is kept
#   7005  send the kept outcome of 7004 ("NONE" before any, "OPEN" while
#         a 7004 connection is open), then close
#   7006  accept, then close with SO_LINGER 0 (RST)
#   7007  dial back: read a line "N PORT", make N connections to the
#         client's address at PORT, answer "ok N" (the count made), hold
#         them until the client closes this connection, then close them
#   7009  nothing listens (refused)
import socket
import struct
import sys
import threading
import time

HOST = sys.argv[1]
LIFETIME = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
outcome = "NONE"
lock = threading.Lock()


def echo(c):
    while True:
        try:
            d = c.recv(65536)
        except OSError:
            break
        if not d:
            break
        c.sendall(d)
    c.close()


def closer(c):
    c.close()


def silent(c):
    time.sleep(LIFETIME)
    c.close()


def drip(c):
    c.sendall(b"abc")
    time.sleep(0.4)
    try:
        c.sendall(b"defgh")
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.close()


def recorder(c):
    global outcome
    with lock:
        outcome = "OPEN"
    res = "EOF"
    try:
        while c.recv(65536):
            pass
    except ConnectionResetError:
        res = "RST"
    except OSError as e:
        res = "ERR%d" % e.errno
    with lock:
        outcome = res
    c.close()


def query(c):
    with lock:
        res = outcome
    c.sendall(res.encode())
    c.close()


def resetter(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


def dialer(c):
    made = []
    try:
        line = b""
        while not line.endswith(b"\n") and len(line) < 64:
            d = c.recv(64)
            if not d:
                break
            line += d
        n, port = (int(x) for x in line.split()[:2])
        addr = c.getpeername()[0]
        for _ in range(min(n, 64)):
            d = socket.create_connection((addr, port), timeout=5)
            made.append(d)
        c.sendall(b"ok %d\n" % len(made))
        while c.recv(64):
            pass
    except (OSError, ValueError):
        pass
    for d in made:
        d.close()
    c.close()


def serve(port, fn, rcvbuf=0):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    ls.bind((HOST, port))
    ls.listen(64)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=fn, args=(c,), daemon=True).start()


SERVERS = ((7000, echo, 0), (7001, closer, 0), (7002, silent, 4096),
           (7003, drip, 0), (7004, recorder, 0), (7005, query, 0),
           (7006, resetter, 0), (7007, dialer, 0))
for port, fn, rcvbuf in SERVERS:
    threading.Thread(target=serve, args=(port, fn, rcvbuf),
                     daemon=True).start()
time.sleep(LIFETIME)
