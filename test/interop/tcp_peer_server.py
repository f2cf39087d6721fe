"""Linux-side TCP peer for the client interop test (inside the test's
network namespace): listens on HOST:PORT, accepts one connection, sends
SEND_FILE while writing everything it receives to SINK, half-closes after
the last byte, and ends at the peer's FIN. Bounded in time. Prints
"listening" once bound, then one result line.

    python3 tcp_peer_server.py HOST PORT SEND_FILE SINK [SECONDS]
"""
import selectors
import socket
import sys
import time

from pump import recv_some, write_step


def main():
    host, port, send_file, sink = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    limit = float(sys.argv[5]) if len(sys.argv) > 5 else 100.0
    with open(send_file, "rb") as f:
        data = f.read()
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((host, port))
    lsock.listen(1)
    lsock.settimeout(limit)
    print("listening", flush=True)
    sock, peer = lsock.accept()
    lsock.close()
    start = time.monotonic()
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    view = memoryview(data)
    sent = got = 0
    if not data:
        sock.shutdown(socket.SHUT_WR)
        sel.modify(sock, selectors.EVENT_READ)
    eof = False
    with open(sink, "wb") as out:
        while not eof or sent < len(data):
            if time.monotonic() - start > limit:
                print(f"FAIL: timeout after {limit} s: sent {sent} of {len(data)}, received {got}")
                return 1
            for _, ev in sel.select(timeout=1):
                if ev & selectors.EVENT_WRITE and sent < len(data):
                    sent = write_step(sock, sel, view, sent, len(data), reading=not eof)
                if ev & selectors.EVENT_READ:
                    chunk = recv_some(sock)
                    if chunk is None:
                        continue
                    if not chunk:
                        eof = True  # keep sending what is left, reading no more
                        if sent < len(data):
                            sel.modify(sock, selectors.EVENT_WRITE)
                        break
                    out.write(chunk)
                    got += len(chunk)
    secs = time.monotonic() - start
    sock.close()
    print(f"server: {sent} bytes sent to {peer[0]}:{peer[1]}, {got} received, in {secs:.2f} s")
    return 0 if sent == len(data) else 1


if __name__ == "__main__":
    sys.exit(main())
