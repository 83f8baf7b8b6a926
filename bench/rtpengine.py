"""A minimal client of rtpengine's ng control protocol, and rtpengine itself in userspace mode.

Python 3 standard library only. Nothing here runs in CI.

The ng protocol (rtpengine's README, "The NG Control Protocol"): one UDP datagram per request,
`<cookie> <bencoded dictionary>`; the answer is `<same cookie> <bencoded dictionary>` with
`"result": "ok"` (or "pong" for ping, "error" plus "error-reason"). Commands used here:
`ping`, `offer` (the caller's SDP; the answer's "sdp" is what the callee should see),
`answer` (the callee's SDP; the answer's "sdp" is what the caller should see) and `delete`.

For bench/media-calls every call has the same caller address (the generator's one socket) and
the same callee address (the echo's one socket). rtpengine keeps calls apart by its own local
ports (each call gets its own pair toward each side), so shared endpoint addresses need neither
per-call sockets nor the "asymmetric" flag; its default endpoint learning latches on the same
addresses the SDPs announce ("trust address": the SDPs' c= lines, not the ng packet's source).
"""

import os
import random
import re
import socket

import lib

NG_PORT = 15078
# Below Sentral's 30000-59999 and above the benchmarks' SIP ports (15060-15200). A call takes
# four ports (RTP and RTCP toward each side), so this range holds 3,500 calls.
PORT_MIN, PORT_MAX = 16000, 29999


def bencode(value):
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, (list, tuple)):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in value.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise TypeError(f"cannot bencode {type(value)}")


def bdecode(data, i=0):
    """Decodes one value at data[i:]; returns (value, next index). Strings come back as str."""
    c = data[i:i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    if c == b"l":
        i += 1
        items = []
        while data[i:i + 1] != b"e":
            value, i = bdecode(data, i)
            items.append(value)
        return items, i + 1
    if c == b"d":
        i += 1
        items = {}
        while data[i:i + 1] != b"e":
            key, i = bdecode(data, i)
            value, i = bdecode(data, i)
            items[key] = value
        return items, i + 1
    colon = data.index(b":", i)
    length = int(data[i:colon])
    start = colon + 1
    return data[start:start + length].decode(errors="replace"), start + length


class Ng:
    """One UDP socket to rtpengine's ng port; requests one at a time, retried on timeout."""

    def __init__(self, port=NG_PORT):
        self.address = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(1.0)

    def request(self, command, **fields):
        cookie = f"{random.getrandbits(48):x}".encode()
        message = dict(fields, command=command)
        payload = cookie + b" " + bencode(message)
        for _ in range(5):
            self.sock.sendto(payload, self.address)
            try:
                while True:
                    data, _ = self.sock.recvfrom(65536)
                    got_cookie, _, body = data.partition(b" ")
                    if got_cookie == cookie:
                        answer, _ = bdecode(body)
                        if answer.get("result") == "error":
                            raise RuntimeError(f"rtpengine {command}: {answer.get('error-reason')}")
                        return answer
            except socket.timeout:
                continue
        raise RuntimeError(f"rtpengine did not answer {command}")

    def close(self):
        self.sock.close()


def sdp(port, session_id):
    return ("v=0\r\n"
            f"o=bench {session_id} 1 IN IP4 127.0.0.1\r\n"
            "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n")


def sdp_port(text):
    """The audio port and connection address of an SDP body."""
    media = re.search(r"^m=audio (\d+)", text, re.M)
    conn = re.search(r"^c=IN IP4 (\S+)", text, re.M)
    if not media:
        raise RuntimeError(f"no m=audio line in rtpengine's SDP: {text!r}")
    return (conn.group(1) if conn else "127.0.0.1", int(media.group(1)))


def setup_call(ng, idx, caller_port, callee_port):
    """offer (caller's SDP) then answer (callee's SDP) for one call; returns (call id, from-tag,
    the rtpengine address the caller sends to, the one the callee sends to)."""
    call_id = f"bench-rtpengine-{idx}-{random.getrandbits(32):x}"
    from_tag, to_tag = f"f{idx}", f"t{idx}"
    offer = ng.request("offer", **{"call-id": call_id, "from-tag": from_tag,
                                   "sdp": sdp(caller_port, idx), "flags": ["trust address"],
                                   "replace": ["origin", "session connection"]})
    toward_callee = sdp_port(offer["sdp"])
    answer = ng.request("answer", **{"call-id": call_id, "from-tag": from_tag, "to-tag": to_tag,
                                     "sdp": sdp(callee_port, idx), "flags": ["trust address"],
                                     "replace": ["origin", "session connection"]})
    toward_caller = sdp_port(answer["sdp"])
    return call_id, from_tag, toward_caller, toward_callee


def start(workdir, threads=2):
    """rtpengine in the foreground, userspace only (--table=-1: no kernel forwarding), on
    127.0.0.1 with its ng port NG_PORT; returns (process, command) once it answers ping."""
    cmd = ["rtpengine", "--foreground", "--log-stderr", "--table=-1",
           "--interface=127.0.0.1", f"--listen-ng=127.0.0.1:{NG_PORT}",
           f"--port-min={PORT_MIN}", f"--port-max={PORT_MAX}", f"--num-threads={threads}",
           "--log-level=4", "--delete-delay=0", "--timeout=60",
           f"--pidfile={os.path.join(workdir, 'rtpengine.pid')}"]
    process = lib.start(cmd, os.path.join(workdir, "rtpengine.log"))
    ng = Ng()
    try:
        for _ in range(50):
            if process.poll() is not None:
                raise RuntimeError(f"rtpengine exited ({process.returncode}); "
                                   f"see {workdir}/rtpengine.log")
            try:
                ng.sock.settimeout(0.2)
                if ng.request("ping").get("result") == "pong":
                    ng.sock.settimeout(1.0)
                    return process, " ".join(cmd), ng
            except RuntimeError:
                continue
        raise RuntimeError("rtpengine did not answer ping")
    except BaseException:
        ng.close()
        lib.stop(process)
        raise
