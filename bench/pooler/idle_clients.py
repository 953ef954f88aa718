#!/usr/bin/env python3
"""Open many PostgreSQL client connections, log each in, and keep them idle for a while.

Used by bench/pooler/run.sh to measure a pooler's memory per idle client. Standard library only:
the start-up packet and the authentication exchanges (trust, cleartext, MD5, SCRAM-SHA-256) over
plain sockets. The password comes from PGPASSWORD, never from the command line.

Bounded: every login has a timeout and all of them a deadline. Once every client is in (or has
failed) it writes one line to --ready-file (how many are in, how many failed, the first error),
holds the connections --hold seconds, checks that the pooler closed none of them, sends each a
Terminate and exits.
"""

import argparse
import base64
import hashlib
import hmac
import os
import select
import socket
import struct
import sys
import threading
import time

PROTOCOL_3_0 = 196608


class LoginError(Exception):
    pass


def recv_exact(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise LoginError("connection closed by the server")
        data += chunk
    return bytes(data)


def recv_message(sock):
    header = recv_exact(sock, 5)
    kind, length = header[:1], struct.unpack("!I", header[1:])[0]
    return kind, recv_exact(sock, length - 4)


def send_message(sock, kind, body):
    sock.sendall(kind + struct.pack("!I", len(body) + 4) + body)


def error_text(body):
    fields = dict((f[:1], f[1:].decode(errors="replace")) for f in body.split(b"\0") if f)
    return "%s %s %s" % (fields.get(b"S", "?"), fields.get(b"C", "?"), fields.get(b"M", "?"))


class Scram:
    """SCRAM-SHA-256 without channel binding (RFC 5802/7677), as libpq does it with sslmode=disable."""

    salted_cache = {}  # (salt, iterations) -> SaltedPassword: a stored verifier has one salt
    lock = threading.Lock()

    def __init__(self, password):
        self.password = password.encode()
        self.nonce = base64.b64encode(os.urandom(18)).decode()
        self.client_first_bare = "n=,r=" + self.nonce

    def first(self):
        return ("n,," + self.client_first_bare).encode()

    def final(self, server_first):
        server_first = server_first.decode()
        attrs = dict(part.split("=", 1) for part in server_first.split(","))
        if not attrs["r"].startswith(self.nonce):
            raise LoginError("SCRAM: the server's nonce does not extend ours")
        salt, iterations = base64.b64decode(attrs["s"]), int(attrs["i"])
        key = (salt, iterations)
        with Scram.lock:
            salted = Scram.salted_cache.get(key)
        if salted is None:
            salted = hashlib.pbkdf2_hmac("sha256", self.password, salt, iterations)
            with Scram.lock:
                Scram.salted_cache[key] = salted
        client_key = hmac.digest(salted, b"Client Key", "sha256")
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = "c=biws,r=" + attrs["r"]
        auth_message = ",".join((self.client_first_bare, server_first, without_proof)).encode()
        signature = hmac.digest(stored_key, auth_message, "sha256")
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        return (without_proof + ",p=" + base64.b64encode(proof).decode()).encode()


def login(host, port, user, database, password, timeout):
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        params = b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0\0"
        sock.sendall(struct.pack("!II", len(params) + 8, PROTOCOL_3_0) + params)
        scram = None
        while True:
            kind, body = recv_message(sock)
            if kind == b"R":
                code = struct.unpack("!I", body[:4])[0]
                if code == 0:
                    continue
                if code == 3:  # cleartext
                    send_message(sock, b"p", password.encode() + b"\0")
                elif code == 5:  # MD5
                    inner = hashlib.md5(password.encode() + user.encode()).hexdigest()
                    outer = hashlib.md5(inner.encode() + body[4:8]).hexdigest()
                    send_message(sock, b"p", b"md5" + outer.encode() + b"\0")
                elif code == 10:  # SASL
                    if b"SCRAM-SHA-256\0" not in body[4:]:
                        raise LoginError("SASL without SCRAM-SHA-256")
                    scram = Scram(password)
                    first = scram.first()
                    send_message(sock, b"p", b"SCRAM-SHA-256\0" + struct.pack("!I", len(first)) + first)
                elif code == 11 and scram:  # SASLContinue
                    send_message(sock, b"p", scram.final(body[4:]))
                elif code == 12:  # SASLFinal
                    continue
                else:
                    raise LoginError("authentication request %d not supported" % code)
            elif kind == b"E":
                raise LoginError(error_text(body))
            elif kind == b"Z":
                sock.settimeout(None)
                return sock
            # S (ParameterStatus), K (BackendKeyData), N (notice): nothing to do
    except BaseException:
        sock.close()
        raise


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--workers", type=int, default=16, help="logins in flight at once")
    parser.add_argument("--timeout", type=float, default=10, help="seconds for one login")
    parser.add_argument("--deadline", type=float, default=300, help="seconds for all logins")
    parser.add_argument("--hold", type=float, default=30, help="seconds to stay connected")
    parser.add_argument("--max-errors", type=int, default=100, help="stop logging in after this many failures")
    parser.add_argument("--ready-file", required=True)
    args = parser.parse_args()
    password = os.environ.get("PGPASSWORD", "")

    sockets, errors = [], []
    lock = threading.Lock()
    next_index = [0]
    start = time.monotonic()

    def worker():
        while True:
            with lock:
                if (next_index[0] >= args.count or len(errors) >= args.max_errors
                        or time.monotonic() - start > args.deadline):
                    return
                next_index[0] += 1
            try:
                sock = login(args.host, args.port, args.user, args.database, password, args.timeout)
            except (OSError, LoginError, ValueError, KeyError) as e:
                with lock:
                    errors.append("%s: %s" % (type(e).__name__, e))
                continue
            with lock:
                sockets.append(sock)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    status = "connected %d failed %d seconds %.1f" % (len(sockets), len(errors), elapsed)
    if errors:
        status += " first_error " + errors[0].replace("\n", " ")
    with open(args.ready_file + ".tmp", "w") as f:
        f.write(status + "\n")
    os.rename(args.ready_file + ".tmp", args.ready_file)
    print(status, flush=True)

    time.sleep(args.hold)
    # An idle pooler sends nothing: a readable socket was closed (or told an error) meanwhile.
    poller = select.poll()
    for sock in sockets:
        poller.register(sock, select.POLLIN)
    closed = len(poller.poll(0))
    print("still open %d closed %d" % (len(sockets) - closed, closed), flush=True)
    for sock in sockets:
        try:
            sock.sendall(b"X\0\0\0\4")
        except OSError:
            pass
        sock.close()
    return 0 if not errors and closed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
