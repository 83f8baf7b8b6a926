"""The benchmark organisation: N agents in one team and queue, their phones registered and
the agents Available, on a release `sentral serve`. Python 3 standard library only.
"""

import concurrent.futures
import json
import os
import subprocess
import sys
import time
import urllib.request

import lib

DN = "+4721000001"
TEAM = "Bench"
# argon2id of "bench" with minimal parameters (m=8 KiB, t=1): sign-in of thousands of
# benchmark agents costs microseconds instead of seconds each. Made with
# `echo -n bench | argon2 sentralbenchsalt -id -t 1 -k 8 -p 1 -e`. Benchmark accounts only.
PASSWORD_HASH = "$argon2id$v=19$m=8,t=1,p=1$c2VudHJhbGJlbmNoc2FsdA$mgr84FGhuSNBjV0EERN7X3clv/TGjof+XZV1JP1ctYE"
HTTP_PORT, SIP_PORT, AGENT_PORT, UAC_PORT = 18080, 15060, 15090, 15071
KAM_PORT, KAM_UAS_PORT = 15170, 15190
EXTENSION_BASE = 20000


def config_text(n_agents):
    lines = [
        "[organisations.bench]",
        'name = "Bench"',
        "noise_removal = false",
        "recording = false",
        "calls_max = 1000000",
        'rona_timeout = "15s"',
        'auto_wrapup_after = "1s"',
        'auto_wrapup_reason = "done"',
        'trunks = [{ name = "sipp", address = "127.0.0.1" }]',
        f"[organisations.bench.teams.{TEAM}]",
        "[organisations.bench.queues.Q]",
        'channel = "voice"',
        f'teams = ["{TEAM}"]',
        "[organisations.bench.entry_points.Main]",
        f'dial_numbers = ["{DN}"]',
        'queue = "Q"',
        "[organisations.bench.idle_reasons]",
        'lunch = "Lunch"',
        "[organisations.bench.wrapup_reasons]",
        'done = "Done"',
    ]
    for i in range(n_agents):
        lines += [
            f"[organisations.bench.users.a{i}]",
            'role = "agent"',
            f'password_hash = "{PASSWORD_HASH}"',
            f"[organisations.bench.agents.a{i}]",
            f'name = "Agent {i}"',
            f'extension = "{EXTENSION_BASE + i}"',
            'sip_password = "bench-sip-password"',
            f'teams = ["{TEAM}"]',
        ]
    return "\n".join(lines) + "\n"


def api(method, path, body=None, token=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{HTTP_PORT}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as answer:
        text = answer.read()
        return json.loads(text) if text else None


def make_available(i):
    token = api("POST", "/api/v1/login", {"username": f"a{i}", "password": "bench"})["token"]
    api("POST", "/api/v1/agents/me/session",
        {"team": TEAM, "extension": str(EXTENSION_BASE + i)}, token)
    api("PUT", "/api/v1/agents/me/state", {"state": "available"}, token)



def register_phones(n_agents, workdir, other_phones=None, only=None):
    """Registers the agents' phones (SIPp, register_many.xml) at AGENT_PORT, or the last k
    at `port` with `other_phones=(k, port)`; `only` limits it to those agent indexes."""
    k, other_port = other_phones or (0, AGENT_PORT)
    groups = [(range(0, n_agents - k), AGENT_PORT), (range(n_agents - k, n_agents), other_port)]
    for indexes, port in groups:
        indexes = [i for i in indexes if only is None or i in only]
        if not indexes:
            continue
        csv = os.path.join(workdir, f"agents-{n_agents}-{port}.csv")
        with open(csv, "w") as f:
            f.write("SEQUENTIAL\n")
            for i in indexes:
                ext = EXTENSION_BASE + i
                f.write(f"{ext};[authentication username={ext} password=bench-sip-password]\n")
        register = ["sipp", f"127.0.0.1:{SIP_PORT}", "-sf",
                    os.path.join(lib.BENCH, "sipp", "register_many.xml"), "-inf", csv,
                    "-key", "agent_port", str(port), "-i", "127.0.0.1", "-p", "15072",
                    "-m", str(len(indexes)), "-r", "500", "-l", "100", "-nostdin",
                    "-timeout", "120s", "-buff_size", "4194304"]
        lib.log(" ".join(register))
        lib.wait_udp_port_free(15072)
        with open(os.path.join(workdir, "register.log"), "a") as out:
            rc = subprocess.run(register, cwd=workdir, stdout=out,
                                stderr=subprocess.STDOUT).returncode
        if rc != 0:
            sys.exit(f"registering {len(indexes)} phones failed (sipp exit {rc}); see {workdir}")


def start_acd(binary, n_agents, workdir, uas_args, extra_config="", sign_in=True,
              other_phones=None):
    """Starts Sentral with `n_agents` Available agents whose phones are one SIPp UAS started
    with `uas_args` on AGENT_PORT; returns (server, uas, serve command, database path).
    With `sign_in=False` the phones are registered but nobody signs in (the caller does).
    `other_phones=(k, port)`: the last k agents' phones are registered at `port` instead, where
    the caller runs another UAS (bench/soak --faults makes those phones vanish)."""
    data = os.path.join(workdir, f"sentral-{n_agents}")
    os.makedirs(data, exist_ok=True)
    config = os.path.join(workdir, f"bench-{n_agents}.toml")
    with open(config, "w") as f:
        f.write(config_text(n_agents).replace("[organisations.bench.teams",
                                             extra_config + "[organisations.bench.teams", 1))
    env = dict(os.environ, RUST_LOG="warn")
    serve = [binary, "serve", "--config", config, "--http", f"127.0.0.1:{HTTP_PORT}",
             "--sip", f"127.0.0.1:{SIP_PORT}", "--rtp-ports", "30000-59999", "--data-dir", data]
    server = lib.start(serve, os.path.join(workdir, f"sentral-{n_agents}.log"), env=env)
    uas = None
    try:
        lib.wait_http(f"http://127.0.0.1:{HTTP_PORT}/healthz", 120)
        register_phones(n_agents, workdir, other_phones)
        if sign_in:
            started = time.time()
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                list(pool.map(make_available, range(n_agents)))
            lib.log(f"{n_agents} agents available in {time.time() - started:.1f}s")
        uas = lib.start(["sipp"] + uas_args + ["-i", "127.0.0.1", "-p", str(AGENT_PORT),
                                               "-nostdin", "-buff_size", "4194304",
                                               "-max_socket", "60000"],
                        os.path.join(workdir, f"agent-uas-{n_agents}.log"), cwd=workdir)
        time.sleep(1)
        return server, uas, " ".join(serve), os.path.join(data, "sentral.db")
    except BaseException:
        lib.stop(uas)
        lib.stop(server)
        raise
