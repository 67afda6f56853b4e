"""A scripted Bolt 5.0 server for the harness's own tests (test_harness.py): just enough
of the handshake, chunking, PackStream and the HELLO/RUN/PULL/RESET/GOODBYE exchange to
show what the Neo4j driver does with a FAILURE on RUN versus on PULL, and to drive
tck.py's loop (timeouts, resets) without Orbit. Not a model of Orbit's listener.

FakeBolt(answer): answer(query, params) returns one of
  ("rows", fields, rows)            SUCCESS on RUN, then the rows and SUCCESS on PULL
  ("fail_run", code, message)       FAILURE on RUN (the pipelined PULL is IGNORED)
  ("fail_pull", code, message)      SUCCESS on RUN, FAILURE on PULL
  ("hang", seconds)                 no answer to RUN for that long
Struct(tag, fields) sends a structure (a node is Struct("N", [id, labels, props, eid])).
"""

import socket
import struct
import threading
import time


class Struct:
    def __init__(self, tag, fields):
        self.tag = tag
        self.fields = fields


def pack(v):
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if -16 <= v < 128:
            return struct.pack(">b", v)
        return b"\xcb" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"\xc1" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode()
        return (bytes([0x80 | len(b)]) if len(b) < 16 else b"\xd1" + struct.pack(">H", len(b))) + b
    if isinstance(v, list):
        head = bytes([0x90 | len(v)]) if len(v) < 16 else b"\xd5" + struct.pack(">H", len(v))
        return head + b"".join(pack(x) for x in v)
    if isinstance(v, dict):
        head = bytes([0xA0 | len(v)]) if len(v) < 16 else b"\xd9" + struct.pack(">H", len(v))
        return head + b"".join(pack(k) + pack(x) for k, x in v.items())
    if isinstance(v, Struct):
        return bytes([0xB0 | len(v.fields)]) + v.tag.encode("latin-1") + b"".join(pack(x) for x in v.fields)
    raise TypeError(type(v))


class _Reader:
    def __init__(self, data):
        self.d = data
        self.i = 0

    def take(self, n):
        out = self.d[self.i:self.i + n]
        self.i += n
        return out

    def value(self):
        m = self.take(1)[0]
        if m < 0x80:
            return m
        if m >= 0xF0:
            return m - 0x100
        hi, lo = m & 0xF0, m & 0x0F
        if hi == 0x80:
            return self.take(lo).decode()
        if hi == 0x90:
            return [self.value() for _ in range(lo)]
        if hi == 0xA0:
            return {self.value(): self.value() for _ in range(lo)}
        if hi == 0xB0:
            tag = self.take(1).decode("latin-1")
            return Struct(tag, [self.value() for _ in range(lo)])
        fixed = {0xC0: None, 0xC2: False, 0xC3: True}
        if m in fixed:
            return fixed[m]
        if m == 0xC1:
            return struct.unpack(">d", self.take(8))[0]
        ints = {0xC8: ">b", 0xC9: ">h", 0xCA: ">i", 0xCB: ">q"}
        if m in ints:
            fmt = ints[m]
            return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
        sizes = {0xD0: ">B", 0xD1: ">H", 0xD2: ">I", 0xD4: ">B", 0xD5: ">H", 0xD6: ">I", 0xD8: ">B", 0xD9: ">H", 0xDA: ">I"}
        if m in sizes:
            fmt = sizes[m]
            n = struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
            if m in (0xD0, 0xD1, 0xD2):
                return self.take(n).decode()
            if m in (0xD4, 0xD5, 0xD6):
                return [self.value() for _ in range(n)]
            return {self.value(): self.value() for _ in range(n)}
        raise ValueError(f"marker {m:#x}")


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            raise ConnectionError("closed")
        buf += part
    return buf


def _recv_message(sock):
    data = b""
    while True:
        (size,) = struct.unpack(">H", _recv_exact(sock, 2))
        if size == 0:
            if data:
                return _Reader(data).value()
            continue
        data += _recv_exact(sock, size)


def _send(sock, tag, *fields):
    body = pack(Struct(tag, list(fields)))
    sock.sendall(struct.pack(">H", len(body)) + body + b"\x00\x00")


SUCCESS, RECORD, IGNORED, FAILURE = "\x70", "\x71", "\x7e", "\x7f"


class FakeBolt:
    def __init__(self, answer):
        self.answer = answer
        self.queries = []
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def uri(self):
        return f"bolt://127.0.0.1:{self.port}"

    def close(self):
        self.closed = True
        self.listener.close()

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                hs = _recv_exact(conn, 20)
                if hs[:4] != b"\x60\x60\xb0\x17":
                    return
                conn.sendall(b"\x00\x00\x00\x05")
                failed = False
                pending = None
                while True:
                    msg = _recv_message(conn)
                    tag = msg.tag
                    if tag == "\x02":  # GOODBYE
                        return
                    if tag == "\x0f":  # RESET
                        failed, pending = False, None
                        _send(conn, SUCCESS, {})
                        continue
                    if failed:
                        _send(conn, IGNORED)
                        continue
                    if tag == "\x01":  # HELLO
                        _send(conn, SUCCESS, {"server": "Neo4j/5.0.0", "connection_id": "fake-1"})
                    elif tag == "\x10":  # RUN
                        query, params = msg.fields[0], msg.fields[1]
                        self.queries.append(query)
                        a = self.answer(query, params)
                        if a[0] == "hang":
                            time.sleep(a[1])
                            a = ("rows", [], [])
                        if a[0] == "fail_run":
                            _send(conn, FAILURE, {"code": a[1], "message": a[2]})
                            failed = True
                        else:
                            pending = a
                            _send(conn, SUCCESS, {"fields": a[1] if a[0] == "rows" else ["x"], "t_first": 0})
                    elif tag in ("\x3f", "\x2f"):  # PULL, DISCARD
                        a, pending = pending, None
                        if a is None:
                            _send(conn, FAILURE, {"code": "Neo.ClientError.Request.Invalid", "message": "no result"})
                            failed = True
                        elif a[0] == "fail_pull":
                            _send(conn, FAILURE, {"code": a[1], "message": a[2]})
                            failed = True
                        else:
                            if tag == "\x3f":
                                for row in a[2]:
                                    _send(conn, RECORD, row)
                            _send(conn, SUCCESS, {"type": "rw", "t_last": 0, "db": "neo4j"})
                    else:
                        _send(conn, FAILURE, {"code": "Neo.ClientError.Request.Invalid", "message": f"tag {tag!r}"})
                        failed = True
        except (ConnectionError, OSError):
            return
