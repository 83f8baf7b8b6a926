#!/usr/bin/env python3
"""A lossy, slow UDP link for the faulted soak, where `tc netem` is not available.

Datagrams sent to --listen are forwarded to --to, and the answers back to whoever sent
last from that address; each datagram, either way, is dropped with probability --loss and
otherwise delayed by --delay-ms plus a uniform jitter of up to +-jitter-ms. Datagrams of one
direction keep their order, as on one path: a 100 Trying overtaken by its 200 would be a fault
of the link, not of the ends. A fixed --seed makes the drops repeatable.

The far end sees every client as the relay's one address; SIP answers go back to that source
(rport-style), and requests the far end starts itself go to the Contact, around the link.
Counts are printed on SIGTERM: forwarded and dropped per direction.

Usage: bench/lossy_link.py --listen 15075 --to 127.0.0.1:15060 [--loss 0.01]
       [--delay-ms 20] [--jitter-ms 5] [--seed 26]
"""

import argparse
import heapq
import random
import select
import signal
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--to", required=True, help="host:port")
    parser.add_argument("--loss", type=float, default=0.01)
    parser.add_argument("--delay-ms", type=float, default=20)
    parser.add_argument("--jitter-ms", type=float, default=5)
    parser.add_argument("--seed", type=int, default=26)
    args = parser.parse_args()
    host, port = args.to.rsplit(":", 1)
    far = (host, int(port))
    rng = random.Random(args.seed)
    # Clients face this socket; the far end sees the other one, so its answers are told apart.
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(("127.0.0.1", args.listen))
    back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    back.bind(("127.0.0.1", 0))
    for s in (front, back):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setblocking(False)
    client = None
    pending = []  # (due, sequence, socket, datagram, destination)
    counts = {"out": 0, "out_dropped": 0, "back": 0, "back_dropped": 0}
    sequence = 0
    last_due = {"out": 0.0, "back": 0.0}

    def report(*_):
        print(" ".join(f"{k}={v}" for k, v in counts.items()), flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, report)
    signal.signal(signal.SIGINT, report)
    while True:
        now = time.monotonic()
        timeout = max(0.0, pending[0][0] - now) if pending else 1.0
        readable, _, _ = select.select([front, back], [], [], timeout)
        now = time.monotonic()
        for s in readable:
            while True:
                try:
                    data, source = s.recvfrom(65536)
                except BlockingIOError:
                    break
                if s is front:
                    client, out, destination, key = source, back, far, "out"
                elif client is not None:
                    out, destination, key = front, client, "back"
                else:
                    continue
                if rng.random() < args.loss:
                    counts[key + "_dropped"] += 1
                    continue
                delay = (args.delay_ms + rng.uniform(-args.jitter_ms, args.jitter_ms)) / 1000
                due = max(now + max(0.0, delay), last_due[key])
                last_due[key] = due
                sequence += 1
                heapq.heappush(pending, (due, sequence, out, data, destination))
                counts[key] += 1
        while pending and pending[0][0] <= now:
            _, _, out, data, destination = heapq.heappop(pending)
            try:
                out.sendto(data, destination)
            except OSError:
                pass


if __name__ == "__main__":
    main()
