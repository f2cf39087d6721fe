#!/usr/bin/python3
"""Spoofed-source SYN flood for the syn_flood interop test.

  syn_flood.py IFACE DST_MAC DST_IP PORT COUNT [SEED]

Writes COUNT TCP SYNs to IFACE (a TAP inside the test's namespace, so they
reach `capnet serve` and nothing else), each from a different spoofed
on-link source 192.0.2.100-254 with a spoofed MAC, a random port and ISN;
every other one offers timestamps, window scale and SACK-permitted, the
rest an MSS alone. Frames are built with struct (scapy builds one packet
in milliseconds; 20,000 would take the flood's whole time budget) and sent
in bursts of 250 with a 10 ms pause (about a second for 20,000), so the
count, not the link, bounds it. Prints "sending" when the frames are built
and the first burst goes, then how many it sent and how long it took."""
import random
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return socket.inet_aton(a)


def syn_frame(i, rnd, dst_mac, dst_ip, port):
    host = 100 + i % 155
    src_mac = bytes([0x02, 0x66, (i >> 16) & 255, (i >> 8) & 255, i & 255, host])
    src_ip = ip4("192.0.2.%d" % host)
    sport = rnd.randint(1024, 65535)
    seq = rnd.getrandbits(32)
    if i % 2 == 0:
        # MSS, SACK-permitted, timestamps, NOP, window scale: 20 bytes
        opts = struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02" + \
            struct.pack("!BBII", 8, 10, rnd.getrandbits(32), 0) + b"\x01" + b"\x03\x03\x07"
    else:
        opts = struct.pack("!BBH", 2, 4, 536 + rnd.randint(0, 924))
    off = (20 + len(opts)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, port, seq, 0, off << 4, 0x02, 64240, 0, 0) + opts
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xFFFF, 0, 64, 6, 0, src_ip, dst_ip)
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    eth = dst_mac + src_mac + b"\x08\x00"
    frame = eth + iph + tcp
    return frame + b"\0" * max(0, 60 - len(frame))


def main():
    iface, dst_mac, dst_ip, port, count = sys.argv[1:6]
    seed = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    dst_mac = bytes(int(b, 16) for b in dst_mac.split(":"))
    dst_ip = ip4(dst_ip)
    port, count = int(port), int(count)
    rnd = random.Random(seed)
    frames = [syn_frame(i, rnd, dst_mac, dst_ip, port) for i in range(count)]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    print("sending", flush=True)
    t0 = time.monotonic()
    sent = 0
    for k in range(0, count, 250):
        for f in frames[k:k + 250]:
            try:
                s.send(f)
                sent += 1
            except OSError:
                pass  # the TAP's queue is full: that SYN is lost, as on a wire
        time.sleep(0.01)
    print("flood: %d spoofed SYNs sent in %.2f s" % (sent, time.monotonic() - t0), flush=True)


if __name__ == "__main__":
    main()
