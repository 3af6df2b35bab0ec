#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# challenge_ack_peer.py - the scripted peer of challenge_ack.sh: counts the
# ACKs an endpoint sends back to bursts of invalid segments (RFC 5961 §3.2 and
# RFC 9293 §3.10.7.4 first: an in-window RST that is not exact and an
# out-of-window segment each ask for an ACK; Linux rate-limits those ACKs
# per connection, net.ipv4.tcp_invalid_ratelimit).
#
#   python3 challenge_ack_peer.py IFACE ADDR PORT [SECONDS]
#
# Listens on ADDR:PORT with the kernel's TCP (run it in the peer namespace
# with net.ipv4.tcp_timestamps=0, so segments need no timestamps), learns
# both initial sequence numbers and the MAC addresses from the handshake on
# an AF_PACKET socket on IFACE, and, once the endpoint's connection is
# idle, sends three bursts of ten segments each within about 50 ms,
# 0.7 s apart (longer than the 500 ms limit):
#   rst    ten RSTs with sequence numbers inside the window but not RCV.NXT
#   oow    ten pure ACKs with sequence numbers far outside the window
#   mixed  five of each, alternating
# and counts the pure ACKs the endpoint sends in the 0.7 s after each
# burst.  Prints one line per burst and a last line
#   RESULT rst=N oow=N mixed=N maxburst_ms=N
# Exits 0 after the bursts, 2 if no connection came, 3 on a timeout.
import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
TH_FIN, TH_SYN, TH_RST, TH_PSH, TH_ACK = 0x01, 0x02, 0x04, 0x08, 0x10

IFACE, ADDR, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
LIFETIME = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
BURST = 10
SPACING = 0.005		# between the segments of a burst, s
LISTEN = 0.7		# counting after a burst, s


def on_alarm(signum, frame):
    print("timeout", flush=True)
    os._exit(3)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def parse(frame):
    """(src ip, dst ip, sport, dport, seq, ack, flags, win, payload len,
    eth src, eth dst) of a TCP/IPv4 frame, or None."""
    if len(frame) < 14 + 20 + 20:
        return None
    if struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0f) * 4
    if ip[0] >> 4 != 4 or ip[9] != 6 or len(ip) < ihl + 20:
        return None
    total = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:total]
    if len(tcp) < 20:
        return None
    sport, dport, seq, ack, off, flags, win = struct.unpack("!HHIIBBH",
                                                            tcp[:16])
    doff = (off >> 4) * 4
    return (socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]),
            sport, dport, seq, ack, flags, win, len(tcp) - doff,
            frame[6:12], frame[0:6])


class Conn:
    pass


def build(c, flags, seq, ack, win=65535):
    tcp = struct.pack("!HHIIBBHHH", PORT, c.eport, seq & 0xffffffff,
                      ack & 0xffffffff, 5 << 4, flags, win, 0, 0)
    src = socket.inet_aton(ADDR)
    dst = socket.inet_aton(c.eaddr)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp),
                     os.getpid() & 0xffff, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return c.emac + c.omac + struct.pack("!H", ETH_P_IP) + ip + tcp


def acks_until(raw, c, deadline):
    """Pure ACKs from the endpoint's connection until deadline."""
    n = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return n
        r, _, _ = select.select([raw], [], [], left)
        if not r:
            continue
        frame, sa = raw.recvfrom(65535)
        if sa[2] == PACKET_OUTGOING:
            continue
        p = parse(frame)
        if p is None or p[0] != c.eaddr or p[2] != c.eport or p[3] != PORT:
            continue
        if (p[6] & (TH_SYN | TH_FIN | TH_RST)) == 0 and \
                (p[6] & TH_ACK) and p[8] == 0:
            n += 1


def burst(raw, c, kinds):
    """Send the segments (one kind each) 5 ms apart; returns the time the
    burst took, in ms."""
    t0 = time.monotonic()
    for i, k in enumerate(kinds):
        if k == "rst":
            # inside the window, not RCV.NXT (RFC 5961 §3.2)
            raw.send(build(c, TH_RST, c.rcv_nxt + 100 + i, 0, 0))
        else:
            # far outside the window, nothing new acknowledged
            raw.send(build(c, TH_ACK, c.rcv_nxt + 0x40000000 + i,
                           c.snd_nxt))
        if i + 1 < len(kinds):
            time.sleep(SPACING)
    return (time.monotonic() - t0) * 1000.0


def main():
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(LIFETIME))
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                        socket.htons(ETH_P_ALL))
    raw.bind((IFACE, 0))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ADDR, PORT))
    ls.listen(1)
    print("listening", flush=True)
    c = Conn()
    c.eaddr = None
    have_syn = have_synack = False
    # the handshake as it passes, then accept()
    while not (have_syn and have_synack):
        frame, sa = raw.recvfrom(65535)
        p = parse(frame)
        if p is None:
            continue
        if sa[2] != PACKET_OUTGOING and p[3] == PORT and \
                (p[6] & (TH_SYN | TH_ACK)) == TH_SYN:
            c.eaddr, c.eport, c.eiss = p[0], p[2], p[4]
            c.emac, c.omac = p[9], p[10]
            have_syn = True
        elif sa[2] == PACKET_OUTGOING and have_syn and p[2] == PORT and \
                p[3] == c.eport and \
                (p[6] & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK):
            c.oiss = p[4]
            have_synack = True
    ls.settimeout(5)
    try:
        s, peer = ls.accept()
    except OSError:
        print("no connection", flush=True)
        return 2
    # both sides idle: each next sequence number is its ISS + 1
    c.rcv_nxt = c.oiss + 1		# the endpoint's RCV.NXT
    c.snd_nxt = c.eiss + 1		# the endpoint's SND.NXT
    print("connection from %s:%d" % (c.eaddr, c.eport), flush=True)
    # let the handshake settle; what comes now is not counted
    acks_until(raw, c, time.monotonic() + 0.5)
    result = {}
    worst = 0.0
    plans = [("rst", ["rst"] * BURST), ("oow", ["oow"] * BURST),
             ("mixed", ["rst", "oow"] * (BURST // 2))]
    for name, kinds in plans:
        ms = burst(raw, c, kinds)
        worst = max(worst, ms)
        n = acks_until(raw, c, time.monotonic() + LISTEN)
        result[name] = n
        print("%s: %d segments in %.0f ms, %d ACKs back" %
              (name, len(kinds), ms, n), flush=True)
    print("RESULT rst=%d oow=%d mixed=%d maxburst_ms=%d" %
          (result["rst"], result["oow"], result["mixed"], int(worst + 0.5)),
          flush=True)
    s.close()
    ls.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
