"""Non-blocking socket steps shared by the interop TCP peers."""

import selectors
import socket

CHUNK = 262144


def send_some(sock, view, sent):
    """Sends what the socket takes now of view[sent:]; returns the new count."""
    try:
        return sent + sock.send(view[sent:sent + CHUNK])
    except BlockingIOError:
        return sent


def recv_some(sock):
    """The next chunk, b'' at end of stream, None when nothing is ready."""
    try:
        return sock.recv(CHUNK)
    except BlockingIOError:
        return None


def write_step(sock, sel, view, sent, total, reading=True):
    """One writable event: send what fits; once all total bytes are out, send
    our FIN and, while still reading, wait for reads only. The new count."""
    sent = send_some(sock, view, sent)
    if sent == total:
        sock.shutdown(socket.SHUT_WR)
        if reading:
            sel.modify(sock, selectors.EVENT_READ)
    return sent
