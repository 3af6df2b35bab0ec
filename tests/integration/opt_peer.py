#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# opt_peer.py - the kernel peer of the option tests (opt_*.c), run in the
# peer namespace:  opt_peer.py ADDR IFACE CLIENT SECONDS
#
# It listens on ADDR and captures, with an AF_PACKET socket on IFACE, every
# TCP segment CLIENT sends, so a test can ask what went over the wire.
# Ports (each connection is remembered by the client's port):
#
#   7200  control, one command line, one answer line:
#         info CPORT     the peer's TCP_INFO of the connection from CPORT
#                        and what the capture saw of it, as key=value
#                        words (see info_line)
#         drain CPORT    start reading (and discarding) that connection
#         connect PORT   connect to CLIENT:PORT and keep it open
#         linkdown       answer "ok", then take IFACE down
#   7201  sink: read until EOF, answer with the info line, close
#   7202  urgent: see urgent()
#   7203  hold: small receive buffer, read nothing until "drain"
#   7204  urgent, inline variant: see urgent_inline()
#   7206  quickack: see quickack(); the capture keeps, for connections to
#         this port, the order of the client's segments ("P" a pure ACK,
#         "D" data)
#   7205  Fast Open listener (TCP_FASTOPEN; the namespace's tcp_fastopen
#         is set to 3): read one line, answer "syn=N LINE" where N is the
#         payload of the client's SYN as captured, then close
#
# Everything is bounded by SECONDS; the script exits then.

import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time

ADDR, IFACE, CLIENT, SECS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
DEADLINE = time.monotonic() + SECS
SIOCATMARK = 0x8905
TCP_INFO = getattr(socket, "TCP_INFO", 11)

lock = threading.Lock()
conns = {}		# client port -> socket
wire = {}		# client port -> dict of capture counters
outside = []		# connections made by "connect"


def left():
    return max(0.1, DEADLINE - time.monotonic())


# ---- capture ----

def capture():
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        s.bind((IFACE, 0))
    except OSError as e:
        print("opt_peer: no capture: %s" % e, file=sys.stderr)
        return
    client = socket.inet_aton(CLIENT)
    s.settimeout(0.5)
    while time.monotonic() < DEADLINE:
        try:
            pkt, meta = s.recvfrom(70000)
        except socket.timeout:
            continue
        except OSError:
            return
        if len(pkt) < 14 + 20 or pkt[14 + 12:14 + 16] != client:
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            continue
        tot = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:tot]
        if len(tcp) < 20:
            continue
        sport, dport, seq, ack, off, flags, win, csum, urp = \
            struct.unpack("!HHIIBBHHH", tcp[:20])
        doff = (off >> 4) * 4
        plen = len(tcp) - doff
        with lock:
            w = wire.setdefault(sport, {"data": 0, "maxlen": 0, "urg": 0,
                                        "probes": 0, "synmss": 0, "end": None,
                                        "psh": 0, "pure": 0, "syn": 0,
                                        "ev": ""})
            if dport == 7206 and not (flags & 0x07):
                w["ev"] += "D" if plen > 0 else "P"
            if flags & 0x02:		# SYN: its MSS option
                w["syn"] = max(w["syn"], plen)	# Fast Open data
                opts = tcp[20:doff]
                i = 0
                while i < len(opts):
                    if opts[i] == 0:
                        break
                    if opts[i] == 1:
                        i += 1
                        continue
                    if i + 1 >= len(opts) or opts[i + 1] < 2:
                        break
                    if opts[i] == 2 and opts[i + 1] == 4:
                        w["synmss"] = struct.unpack("!H", opts[i + 2:i + 4])[0]
                    i += opts[i + 1]
                w["end"] = (seq + 1) & 0xffffffff
                continue
            if w["end"] is not None and plen <= 1 and not (flags & 0x05) and \
                    ((w["end"] - seq) & 0xffffffff) == 1:
                w["probes"] += 1	# keep-alive: seq = snd_nxt - 1
                continue
            if plen > 0:
                w["data"] += 1
                w["maxlen"] = max(w["maxlen"], plen)
                if flags & 0x08:
                    w["psh"] += 1
                end = (seq + plen) & 0xffffffff
                if w["end"] is None or ((end - w["end"]) & 0xffffffff) < 0x80000000:
                    w["end"] = end
            else:
                w["pure"] += 1
            if flags & 0x20:
                w["urg"] += 1


# ---- TCP_INFO ----

def info_line(c, cport):
    try:
        b = c.getsockopt(socket.IPPROTO_TCP, TCP_INFO, 232)
    except OSError:
        b = b""
    b = b + bytes(232 - len(b))
    f = {"state": b[0], "snd_mss": struct.unpack_from("I", b, 16)[0],
         "rcv_mss": struct.unpack_from("I", b, 20)[0],
         "advmss": struct.unpack_from("I", b, 84)[0],
         "bytes_received": struct.unpack_from("Q", b, 128)[0],
         "segs_in": struct.unpack_from("I", b, 140)[0],
         "data_segs_in": struct.unpack_from("I", b, 152)[0]}
    with lock:
        w = dict(wire.get(cport, {}))
    for k in ("data", "maxlen", "urg", "probes", "synmss", "psh", "pure"):
        f["wire_" + k] = w.get(k, 0)
    return " ".join("%s=%d" % kv for kv in f.items()) + "\n"


def remember(c, a):
    with lock:
        conns[a[1]] = c


def recv_line(c):
    buf = b""
    c.settimeout(left())
    while not buf.endswith(b"\n") and len(buf) < 512:
        d = c.recv(1)
        if not d:
            break
        buf += d
    return buf.decode(errors="replace").strip()


# ---- services ----

def sink(c, a):
    n = 0
    c.settimeout(left())
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            n += len(d)
        time.sleep(0.05)	# let the capture catch up
        c.sendall(("bytes=%d " % n + info_line(c, a[1])).encode())
    except OSError:
        pass
    c.close()


def hold(c, a):
    pass			# kept in conns; "drain" reads it


def drain(c):
    c.settimeout(left())
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass


def read_to_mark(c):
    """The seeds' loop: read until SIOCATMARK says we are at the mark."""
    import fcntl
    got = b""
    for _ in range(1000):
        at = struct.unpack("i", fcntl.ioctl(c.fileno(), SIOCATMARK,
                                            struct.pack("i", 0)))[0]
        if at:
            break
        d = c.recv(1024)
        if not d:
            break
        got += d
    return got


def urgent(c, a):
    """Client says "go\\n"; we send hello, ! urgent, world.  Then the client
    sends its own urgent byte: we wait for it (POLLPRI), read to the mark,
    take the byte, read the rest to EOF and report "in=... oob=..."."""
    try:
        if recv_line(c) != "go":
            c.close()
            return
        c.sendall(b"hello")
        time.sleep(0.05)
        c.send(b"!", socket.MSG_OOB)
        time.sleep(0.05)
        c.sendall(b"world")
        p = select.poll()
        p.register(c, select.POLLPRI)
        p.poll(int(min(left(), 10) * 1000))
        before = read_to_mark(c)
        try:
            oob = c.recv(1, socket.MSG_OOB)
        except OSError as e:
            oob = ("E%d" % e.errno).encode()
        rest = b""
        while True:
            d = c.recv(1024)
            if not d:
                break
            rest += d
        c.sendall(b"in=" + before + b"|" + rest + b" oob=" + oob + b"\n")
    except OSError as e:
        print("opt_peer: urgent: %s" % e, file=sys.stderr)
    c.close()


def urgent_inline(c, a):
    try:
        if recv_line(c) != "go":
            c.close()
            return
        c.sendall(b"ab")
        time.sleep(0.05)
        c.send(b"C", socket.MSG_OOB)
        time.sleep(0.05)
        c.sendall(b"de")
        c.settimeout(left())
        c.recv(16)		# until the client closes
    except OSError:
        pass
    c.close()


def quickack(c, a):
    """Client says "go"; we send one byte and note how far the capture of
    the client's segments got; the client reads the byte and says "done";
    we answer "seen=EV", EV being the client's segments the capture saw
    in between, in order.  An ACK the client delays rides on "done"
    ("seen=D"); one sent at once goes before it ("seen=PD")."""
    try:
        if recv_line(c) != "go":
            c.close()
            return
        time.sleep(0.05)	# let the capture see "go" and its ACKs
        with lock:
            n0 = len(wire.get(a[1], {}).get("ev", ""))
        c.sendall(b"x")
        if recv_line(c) == "done":
            time.sleep(0.05)	# let the capture see "done"
            with lock:
                ev = wire.get(a[1], {}).get("ev", "")[n0:]
            c.sendall(("seen=%s\n" % ev).encode())
    except OSError as e:
        print("opt_peer: quickack: %s" % e, file=sys.stderr)
    c.close()


def control(c, a):
    try:
        words = recv_line(c).split()
        if not words:
            pass
        elif words[0] == "info" and len(words) == 2:
            with lock:
                t = conns.get(int(words[1]))
            c.sendall((info_line(t, int(words[1])) if t else "none\n").encode())
        elif words[0] == "drain" and len(words) == 2:
            with lock:
                t = conns.get(int(words[1]))
            if t:
                threading.Thread(target=drain, args=(t,), daemon=True).start()
            c.sendall(b"ok\n" if t else b"none\n")
        elif words[0] == "connect" and len(words) == 2:
            t = socket.create_connection((CLIENT, int(words[1])), timeout=5)
            outside.append(t)
            c.sendall(("ok %d\n" % t.getsockname()[1]).encode())
        elif words[0] == "linkdown":
            c.sendall(b"ok\n")
            c.close()
            subprocess.run(["ip", "link", "set", "dev", IFACE, "down"])
            return
        else:
            c.sendall(b"what\n")
    except OSError as e:
        print("opt_peer: control: %s" % e, file=sys.stderr)
    c.close()


def tfo(c, a):
    try:
        line = recv_line(c)
        time.sleep(0.05)	# let the capture thread see the SYN
        with lock:
            syn = wire.get(a[1], {}).get("syn", 0)
        c.sendall(("syn=%d %s\n" % (syn, line)).encode())
    except OSError as e:
        print("opt_peer: tfo: %s" % e, file=sys.stderr)
    c.close()


def serve(port, fn, rcvbuf=0, fastopen=0):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fastopen:
        ls.setsockopt(socket.IPPROTO_TCP, getattr(socket, "TCP_FASTOPEN", 23),
                      fastopen)
    if rcvbuf:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    ls.bind((ADDR, port))
    ls.listen(64)
    ls.settimeout(0.5)

    def loop():
        while time.monotonic() < DEADLINE:
            try:
                c, a = ls.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if port != 7200:
                remember(c, a)
            threading.Thread(target=fn, args=(c, a), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


threading.Thread(target=capture, daemon=True).start()
serve(7201, sink)
serve(7202, urgent)
serve(7203, hold, rcvbuf=4096)
serve(7204, urgent_inline)
try:
    with open("/proc/sys/net/ipv4/tcp_fastopen", "w") as f:
        f.write("3\n")		# client and server (this namespace only)
except OSError as e:
    print("opt_peer: tcp_fastopen: %s" % e, file=sys.stderr)
serve(7205, tfo, fastopen=16)
serve(7206, quickack)
serve(7200, control)		# last: the test waits for this port
while time.monotonic() < DEADLINE:
    time.sleep(0.5)
os._exit(0)
