"""The Orbit server a TCK run talks to: started from its binary on free ports with a fresh
temporary data directory, restarted (again on a fresh directory) when it stops answering,
stopped at the end.

The port flags are read from `orbit-server --help` (every --<name>-port gets a free port;
Bolt is --cypher-port or, failing that, --bolt-port), so the harness follows the flags as
they are named; the other protocols are turned off with their --disable-<protocol> flags.
The server runs with the TCK procedure hook on (--cypher-test-procedures true where the flag
exists, and ORBIT_CYPHER_TEST_PROCEDURES=true). Its log
is kept in the work directory and its tail shown when it fails to start.
"""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port, timeout=0.2):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


class Server:
    def __init__(self, binary, extra_env=None):
        self.binary = binary
        self.extra_env = dict(extra_env or {})
        self.work = tempfile.mkdtemp(prefix="orbit-tck-")
        self.proc = None
        self.port = None
        self.generation = 0
        help_text = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=60).stdout
        flags = set(re.findall(r"--([a-z0-9-]+)\b", help_text))
        self.port_flags = sorted(f for f in flags if f.endswith("-port"))
        if "cypher-port" in flags:
            self.bolt_flag = "cypher-port"
        elif "bolt-port" in flags:
            self.bolt_flag = "bolt-port"
        else:
            raise RuntimeError(f"{binary} --help names no --cypher-port or --bolt-port")
        self.disable_flags = sorted(f for f in flags if f.startswith("disable-") and f != "disable-cypher")
        self.procedures_flag = "cypher-test-procedures" in flags

    @property
    def log_path(self):
        return os.path.join(self.work, f"server-{self.generation}.log")

    def start(self, wait=90.0):
        self.generation += 1
        data = os.path.join(self.work, f"data-{self.generation}")
        args = [self.binary, "--data-dir", data]
        for f in self.disable_flags:
            args.append("--" + f)
        if self.procedures_flag:
            args += ["--cypher-test-procedures", "true"]
        ports = {}
        for f in self.port_flags:
            ports[f] = free_port()
            args += ["--" + f, str(ports[f])]
        self.port = ports[self.bolt_flag]
        env = dict(os.environ)
        env.setdefault("ORBIT_CYPHER_TEST_PROCEDURES", "true")
        env.update(self.extra_env)
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env,
                                     stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"orbit-server exited with {self.proc.returncode} on start:\n{self.log_tail()}")
            if self._ready():
                return self.port
            time.sleep(0.1)
        raise RuntimeError(f"orbit-server did not open Bolt port {self.port} in {wait:.0f}s:\n{self.log_tail()}")

    def _ready(self):
        try:
            with open(self.log_path, "rb") as fh:
                if b"orbit-server ready" not in fh.read():
                    return False
        except OSError:
            return False
        return port_open(self.port)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def restart(self):
        self.stop()
        shutil.rmtree(os.path.join(self.work, f"data-{self.generation}"), ignore_errors=True)
        return self.start()

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as fh:
                return b"\n".join(fh.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return "(no log)"

    def cleanup(self, keep_log_to=None):
        self.stop()
        if keep_log_to:
            try:
                shutil.copy(self.log_path, keep_log_to)
            except OSError:
                pass
        shutil.rmtree(self.work, ignore_errors=True)
