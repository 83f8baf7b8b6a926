"""Shared helpers of the bench/ scripts: processes, /proc CPU, SIPp runs, tables, docs.

Python 3 standard library only. Nothing here runs in CI.
"""

import datetime
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(*parts):
    print("[bench]", *parts, file=sys.stderr, flush=True)


def need(*programs):
    """Exits with the apt-get command when a program is missing."""
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        sys.exit(f"missing {missing}: see the packages listed at the top of this script")


def raise_limits():
    """Thousands of calls need thousands of sockets; bigger UDP buffers avoid drops."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    for key in ("net.core.rmem_max", "net.core.wmem_max"):
        subprocess.run(["sysctl", "-q", "-w", f"{key}=8388608"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def build_sentral():
    """Builds the release binary into CARGO_TARGET_DIR and returns its path."""
    env = dict(os.environ, CARGO_TARGET_DIR=TARGET)
    log("cargo build --release -p sentral-server", f"(CARGO_TARGET_DIR={TARGET})")
    subprocess.run(["cargo", "build", "--release", "-p", "sentral-server"],
                   cwd=ROOT, env=env, check=True)
    return os.path.join(TARGET, "release", "sentral")


def build_rtpload():
    """Builds bench/rtpload (the RTP generator and echo) in release mode into CARGO_TARGET_DIR
    and returns the path of its binary."""
    env = dict(os.environ, CARGO_TARGET_DIR=TARGET)
    log("cargo build --release -p sentral-bench-rtpload", f"(CARGO_TARGET_DIR={TARGET})")
    subprocess.run(["cargo", "build", "--release", "-p", "sentral-bench-rtpload"],
                   cwd=ROOT, env=env, check=True)
    return os.path.join(TARGET, "release", "rtpload")


def cpu_ms(pid):
    """User + system CPU time of a process so far, in milliseconds (/proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command: state is field 3, utime 14 and stime 15 (1-based), so 11 and 12 here.
    return (int(fields[11]) + int(fields[12])) * 1000.0 / CLK_TCK


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def open_fds(pid):
    """How many file descriptors a process has open (/proc/<pid>/fd); 0 once it is gone."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def start(cmd, logfile, env=None, cwd=None):
    log("start:", " ".join(cmd))
    out = open(logfile, "w")
    return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                            stdin=subprocess.DEVNULL)


def stop(process):
    """Ends a process this script started, by its own id only."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_http(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer within {seconds}s")


def wait_udp_port_free(port):
    for _ in range(50):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", port))
            return
        except OSError:
            time.sleep(0.1)
        finally:
            s.close()


def sipp_stats(csv_path):
    """The last line of a SIPp -trace_stat file as a dict."""
    with open(csv_path) as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    header = lines[0].split(";")
    last = lines[-1].split(";")
    return dict(zip(header, last))


def sipp_rtts(directory):
    """Every response time (ms) in SIPp -trace_rtt files of `directory`, then removes them."""
    values = []
    for name in os.listdir(directory):
        if not name.endswith("_rtt.csv"):
            continue
        path = os.path.join(directory, name)
        with open(path) as f:
            for line in f:
                parts = line.strip().split(";")
                if len(parts) >= 2:
                    try:
                        values.append(float(parts[1]))
                    except ValueError:
                        pass
        os.remove(path)
    return values


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(p / 100.0 * (len(ordered) - 1)))))
    return ordered[k]


def uac_step(target, rate, calls, workdir, tag, port, service, talk_ms=1000, extra=()):
    """One bounded SIPp UAC load step; returns rc, successful, failed, INVITE->200 times.
    `extra`: more SIPp arguments (e.g. -trace_err)."""
    stat = os.path.join(workdir, f"{tag}-{rate}.csv")
    limit = max(50, rate * 4)
    timeout_s = int(calls / rate + 30)
    cmd = ["sipp", target, "-sf", os.path.join(BENCH, "sipp", "uac_acd.xml"), "-s", service,
           "-i", "127.0.0.1", "-p", str(port), "-m", str(calls), "-r", str(rate), "-rp", "1000",
           "-d", str(talk_ms), "-l", str(limit), "-timeout", f"{timeout_s}s",
           "-recv_timeout", "20000", "-max_socket", "60000", "-buff_size", "4194304",
           "-nostdin", "-trace_stat", "-stf", stat, "-trace_rtt", "-rtt_freq", "1", *extra]
    sipp_rtts(workdir)
    with open(os.path.join(workdir, f"{tag}-{rate}.log"), "w") as out:
        rc = subprocess.run(cmd, cwd=workdir, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL).returncode
    stats = sipp_stats(stat) if os.path.exists(stat) else {}
    return {
        "cmd": " ".join(cmd),
        "rc": rc,
        "successful": int(stats.get("SuccessfulCall(C)", 0)),
        "failed": int(stats.get("FailedCall(C)", calls)),
        "rtts": sipp_rtts(workdir),
    }


def machine():
    model = "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "nproc": os.cpu_count(),
        "model": model,
    }


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


def append_docs(title, body, commands):
    """Appends a dated section to docs/benchmarks.md and prints it."""
    m = machine()
    text = (f"\n## {title} ({m['date']})\n\n"
            f"Commit {m['commit']}; machine: `nproc` {m['nproc']}, `lscpu` model \"{m['model']}\".\n"
            f"Commands:\n\n```\n" + "\n".join(commands) + "\n```\n\n" + body + "\n")
    print(text)
    if os.environ.get("BENCH_NO_DOCS") != "1":
        with open(os.path.join(ROOT, "docs", "benchmarks.md"), "a") as f:
            f.write(text)
