#!/usr/bin/env python3
"""Builds bench/fuzz/corpus/{startup,framing,prepared,scram}/ from real traffic.

Input: the TCP payloads of a loopback capture of clients (psql, pgbench, Npgsql) talking to
PostgreSQL, as tshark prints them:
  tshark -r CAPTURE.pcap -Y "tcp.len>0" -T fields -e tcp.stream -e tcp.srcport -e tcp.payload > segments.tsv
  make-corpus.py segments.tsv SERVER_PORT
Each file is one input of its target, in the format its harness reads (see README.md).
"""
import hashlib
import os
import struct
import sys

MAX_FILE = 4096
here = os.path.dirname(os.path.abspath(__file__))
segments_file, server_port = sys.argv[1], sys.argv[2]

streams = {}
for line in open(segments_file):
    stream, port, payload = line.rstrip('\n').split('\t')
    streams.setdefault(int(stream), []).append((port == server_port, bytes.fromhex(payload)))


def save(target, data):
    folder = os.path.join(here, 'corpus', target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), 'wb') as f:
        f.write(data)


def messages(data):
    """Whole regular messages (type, body) at the start of data."""
    out = []
    while len(data) >= 5:
        length = struct.unpack('>i', data[1:5])[0]
        if length < 4 or len(data) < 1 + length:
            break
        out.append((data[0:1], data[5:1 + length]))
        data = data[1 + length:]
    return out


def whole_prefix(data, limit):
    """The longest run of whole messages at the start of data that fits in limit bytes."""
    size = 0
    for kind, body in messages(data):
        if size + 5 + len(body) > limit:
            break
        size += 5 + len(body)
    return data[:size]


for number, segments in sorted(streams.items()):
    client = [s for from_server, s in segments if not from_server]
    server = b''.join(s for from_server, s in segments if from_server)
    # Start-up packets: the client's first packets (SSLRequest, StartupMessage, CancelRequest).
    first = client[0]
    save('startup', first)
    if len(client) > 1 and len(first) == 8:
        save('startup', client[1])
    # SCRAM: client-first, server-first, client-final, server-final.
    scram = []
    for from_server, s in segments:
        for kind, body in messages(s) if s[:1] in (b'p', b'R') else []:
            if kind == b'p' and body.startswith(b'SCRAM-SHA-256\0'):
                scram.append(body[len(b'SCRAM-SHA-256\0') + 4:])
            elif kind == b'p' and scram:
                scram.append(body)
            elif kind == b'R' and struct.unpack('>i', body[:4])[0] in (11, 12):
                scram.append(body[4:])
    if len(scram) >= 3:
        save('scram', b'\0'.join(scram[:4]) + b'\0')
    # After log-in: the server's first ReadyForQuery ends it.
    ready = server.find(b'Z\0\0\0\x05')
    if ready < 0:
        continue
    login_end = ready + 6
    seen = 0
    records = b''
    client_after = b''
    for from_server, s in segments:
        if from_server:
            piece = s[max(0, login_end - seen):] if seen + len(s) > login_end else b''
            seen += len(s)
        else:
            piece = s if seen >= login_end else b''
            client_after += piece
        if piece and len(records) + 4 + len(piece) <= MAX_FILE:
            records += struct.pack('>H', (0x8000 if from_server else 0) | len(piece)) + piece
            if from_server and piece.endswith(b'Z\0\0\0\x05I'):
                # Idle: the end of a transaction, where the pool may lend the client another server.
                records += struct.pack('>H', 0x8000)
    if records:
        save('prepared', records)
    # Framing: each direction's messages after log-in, and the server's log-in answers.
    for data in (client_after, server[login_end:], server[:login_end]):
        prefix = whole_prefix(data, MAX_FILE)
        if prefix:
            save('framing', prefix)

# Start-up packets no client above sent: protocol 3.2 with a _pq_ option, a 32-byte 3.2 cancel key,
# an options parameter with every switch form and an escaped space, and packets sent back to back.
def startup(version, *pairs):
    body = b''.join(k.encode() + b'\0' + v.encode() + b'\0' for k, v in pairs) + b'\0'
    return struct.pack('>ii', 8 + len(body), version) + body

save('startup', startup(0x30002, ('user', 'app'), ('database', 'db'), ('_pq_.test_option', 'x')))
save('startup', struct.pack('>iii', 44, 80877102, 4242) + bytes(range(32)))
save('startup', startup(0x30000, ('user', 'u'), ('options', r'-c search_path=a\ b --statement-timeout=5s -cwork_mem=64MB')))
save('startup', struct.pack('>ii', 8, 80877104) + startup(0x30000, ('user', 'u'), ('replication', 'database')))
