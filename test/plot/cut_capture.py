#!/usr/bin/env python3
"""Writes the head of a capture with each frame cut to its headers.

usage: cut_capture.py IN.pcap OUT.pcap SECONDS SNAPLEN

Keeps the records stamped within SECONDS of the first one and cuts each to
SNAPLEN bytes (the record keeps its length on the wire), as `tcpdump -s`
would have captured it: `capnet plot` reads headers only, so a lossy
transfer fits in a small fixture (fixtures/README.md: plot fixtures).
"""
import struct
import sys


def main():
    src, dst, secs, snap = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    data = open(src, "rb").read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    ver_maj, ver_min, zone, sigfigs, _snaplen, link = struct.unpack(endian + "HHiIII", data[4:24])
    out = bytearray(data[:16] + struct.pack(endian + "II", snap, link))
    off, first = 24, None
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        t = sec + frac / (1e9 if nano else 1e6)
        if first is None:
            first = t
        if t - first > secs:
            break
        body = data[off + 16:off + 16 + incl][:snap]
        out += struct.pack(endian + "IIII", sec, frac, len(body), orig) + body
        off += 16 + incl
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main()
