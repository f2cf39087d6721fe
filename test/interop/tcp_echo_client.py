"""Bulk TCP echo client for the interop tests (Linux side, inside the test's
network namespace). Sends SIZE random bytes to HOST:PORT while reading the
echo back, half-closes, and checks the echo is byte-exact (sha256) and
ends with the server's FIN. Bounded in time. Prints one result line.

    python3 tcp_echo_client.py HOST PORT SIZE [SECONDS]
"""
import hashlib
import os
import selectors
import socket
import sys
import time

from pump import recv_some, write_step


def main():
    host, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    limit = float(sys.argv[4]) if len(sys.argv) > 4 else 100.0
    data = os.urandom(size)
    want = hashlib.sha256(data).hexdigest()
    sock = socket.create_connection((host, port), timeout=5)
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    view = memoryview(data)
    sent = got = 0
    digest = hashlib.sha256()
    start = time.monotonic()
    if size == 0:
        sock.shutdown(socket.SHUT_WR)
        sel.modify(sock, selectors.EVENT_READ)
    eof = False
    while not eof:
        if time.monotonic() - start > limit:
            print(f"FAIL: timeout after {limit} s: sent {sent} of {size}, got {got}")
            return 1
        for _, ev in sel.select(timeout=1):
            if ev & selectors.EVENT_WRITE and sent < size:
                sent = write_step(sock, sel, view, sent, size)
            if ev & selectors.EVENT_READ:
                chunk = recv_some(sock)
                if chunk is None:
                    continue
                if not chunk:
                    eof = True
                    break
                digest.update(chunk)
                got += len(chunk)
    secs = time.monotonic() - start
    ok = got == size and digest.hexdigest() == want
    rate = size * 2 * 8 / secs / 1e6 if secs > 0 else 0
    print(f"{'ok' if ok else 'FAIL'}: {size} bytes sent, {got} echoed in {secs:.2f} s "
          f"({rate:.0f} Mbit/s both ways), sha256 {'match' if ok else 'MISMATCH'}, then FIN")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
