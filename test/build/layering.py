#!/usr/bin/env python3
"""Dependencies point one way (DESIGN: Layout).

Reads every `#include "..."` of libcapnet/, sim/, harness/ and cmd/, gives
the including file and the included header each a layer, and fails on any
edge the table below does not allow, naming file:line and the edge.

Layers:
  * a file under libcapnet/<dir>/ is in layer <dir> (libcapnet/host/ev/ is
    `host-ev`: the libev runtime drives a whole stack); sim/, harness/ and
    cmd/ are layers of their own;
  * a public header under libcapnet/include/capnet/ is in the layer whose .c
    defines the functions it declares (found by reading the sources), or,
    for a header that declares none, in the layer HEADER_LAYER gives it;
  * a private header (under libcapnet/ but not include/, or named
    *_internal.h / *_private.h) is in its folder's layer and may only be
    included from its own folder and the folders below it.

Usage: layering.py SOURCE_ROOT
"""
import os
import re
import sys

# ---- the allowed table: layer -> the layers it may include (itself too) ----

CORE = {"core"}
NIC_CONTRACT = {"nic-contract"}           # capnet/nic.h: what every driver implements
WIRE = CORE | {"wire"}
IFACE = WIRE | NIC_CONTRACT | {"iface"}
SOCK = IFACE | {"sock"}                   # sock and trace: side by side,
TRACE = IFACE | {"trace"}                 # neither includes the other
CAP = SOCK | TRACE | {"cap"}
POSIX = CAP | {"posix"}                   # posix and stack: side by side,
STACK = CAP | {"stack"}                   # neither includes the other
NIC = CORE | NIC_CONTRACT | {"nic"}       # freestanding drivers: the core only
LIBRARY = POSIX | STACK | NIC
# The hosted backends (TAP, pcap) see frames with the pure codecs of wire/
# (stateless, below everything else) rather than a second decoder.
HOST = NIC | WIRE | {"host"}
HOST_ALL = HOST | {"host-ev"}
CMD_FORBIDDEN = {"sock", "iface", "wire"}  # cmd/ holds caps, not sockets

ALLOWED = {
    "core": CORE,
    "nic-contract": CORE | NIC_CONTRACT,
    "wire": WIRE,
    "iface": IFACE,
    "sock": SOCK,
    "trace": TRACE,
    "cap": CAP,
    "posix": POSIX,
    "stack": STACK,
    "nic": NIC,
    "rt": CORE,                            # the freestanding string.h
    "host": HOST,
    "host-ev": LIBRARY | HOST_ALL,         # drives a whole stack
    "sim": LIBRARY | HOST_ALL | {"sim"},
    "harness": LIBRARY | HOST_ALL | {"sim", "harness"},
    "cmd": (LIBRARY | HOST_ALL | {"sim", "harness", "cmd"}) - CMD_FORBIDDEN,
}

# Public headers that declare no function, or do not exist yet: their layer.
HEADER_LAYER = {
    "capnet/types.h": "core",
    "capnet/wire/bytes.h": "wire",
    "capnet/nic.h": "nic-contract",
    # The stack object (libcapnet/stack/).
    "capnet/stack.h": "stack",
    # Every default of every layer, constants only: each layer reads its
    # own, so the header sits below all of them.
    "capnet/config.h": "core",
    "capnet/enum_names.h": "core",
    # The resolver's inputs: data the configuration layers (iface) fill and
    # the resolver (sock) reads.
    "capnet/resolver.h": "iface",
}

# Files whose folder does not tell their layer yet.
PATH_LAYER = {
}

# cmd/ may not include sock/, iface/ or wire/ headers: it reaches the
# network through caps. A (file, header) edge listed here is tolerated while
# it lasts; an entry that no longer occurs fails the test, so the list only
# shrinks. It is empty: keep it so.
EXCEPTIONS = set()

# Headers of a forbidden layer that cmd/ may still use, each with why: they
# open nothing and touch no socket.
CMD_NAMES_ONLY = {
    # The congestion controllers' names: choosing one is stack
    # configuration (capnet_stack_config.tcp.cc), not a socket call.
    "capnet/tcp_cc.h",
    # The one frame describer (print once): tools print frames with it.
    "capnet/wire/describe.h",
}

SCANNED = ("libcapnet", "sim", "harness", "cmd")
CONSTRUCTOR = re.compile(r"\bcapnet_(iface|tcp|udp|capsys|sockets|dhcp4_client|dns_stub|ip4cfg|trace_pool)_create\b")
PUBLIC = "libcapnet/include/"
# Where a quoted include is searched after the including file's folder
# (capnet_inc and the hosted include directories in meson.build).
SEARCH = ("libcapnet/include", "libcapnet", ".")

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
COMMENT_RE = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
# A function named at the start of a line: `type capnet_name(` (not static,
# not a typedef, not a member or macro).
FUNC_RE = r"^(?!static\b|typedef\b|extern\b|#)[A-Za-z_][^\n;{}()=]*?\b(capnet_\w+)\s*\("
DECL_RE = re.compile(FUNC_RE, re.M)
DEF_RE = re.compile(FUNC_RE + r"[^;{}]*\)\s*\{", re.M)


def read(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        return f.read()


def sources(root):
    for top in SCANNED:
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, name), root)


def public_name(rel):
    return rel[len(PUBLIC):] if rel.startswith(PUBLIC) else None


def is_private(rel):
    name = os.path.basename(rel)
    return (rel.startswith("libcapnet/") and not rel.startswith(PUBLIC)) or name.endswith(
        ("_internal.h", "_private.h"))


def folder_layer(rel):
    if rel in PATH_LAYER:
        return PATH_LAYER[rel]
    parts = rel.split("/")
    if parts[0] == "libcapnet":
        if parts[1] == "host" and len(parts) > 3 and parts[2] == "ev":
            return "host-ev"
        return parts[1] if len(parts) > 2 else None
    return parts[0]


def header_layers(root, files, problems):
    """Public header -> layer: where the functions it declares are defined."""
    defined = {}
    for rel in files:
        if rel.endswith(".c") and rel.startswith("libcapnet/"):
            for name in DEF_RE.findall(COMMENT_RE.sub("", read(root, rel))):
                defined.setdefault(name, set()).add(folder_layer(rel))
    out = {}
    for rel in files:
        pub = public_name(rel)
        if pub is None:
            continue
        count = {}
        for name in DECL_RE.findall(COMMENT_RE.sub("", read(root, rel))):
            for layer in defined.get(name, ()):
                count[layer] = count.get(layer, 0) + 1
        given = HEADER_LAYER.get(pub)
        if count:
            # The layer defining most of it (one, unless something is amiss).
            out[pub] = max(sorted(count), key=count.get)
        if len(count) > 1:
            problems.append(f"{rel}: declares functions defined in several layers "
                            f"({', '.join(f'{k}: {v}' for k, v in sorted(count.items()))})")
        elif count and given and given != out[pub]:
            problems.append(f"{rel}: HEADER_LAYER says {given}, its functions are defined in {out[pub]}")
        elif count:
            pass
        elif given:
            out[pub] = given
        else:
            problems.append(f"{rel}: no .c defines what it declares: give it a layer in HEADER_LAYER")
    for pub, layer in HEADER_LAYER.items():
        out.setdefault(pub, layer)  # headers still to be written
    return out


def resolve(root, rel, inc):
    for base in (os.path.dirname(rel),) + SEARCH:
        cand = os.path.normpath(os.path.join(base, inc))
        if os.path.isfile(os.path.join(root, cand)):
            return cand
    return None


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1])
        return 2
    root = sys.argv[1]
    files = list(sources(root))
    problems = []
    hdr_layer = header_layers(root, files, problems)

    def layer_of(rel):
        pub = public_name(rel)
        return hdr_layer.get(pub) if pub is not None else folder_layer(rel)

    used_exceptions = set()
    edges = 0
    for rel in files:
        src_layer = layer_of(rel)
        if src_layer not in ALLOWED:
            problems.append(f"{rel}: in no known layer ({src_layer}): add its folder to the table")
            continue
        for lineno, line in enumerate(read(root, rel).splitlines(), 1):
            m = INCLUDE_RE.match(line)
            if not m:
                continue
            inc = m.group(1)
            edges += 1
            target = resolve(root, rel, inc)
            if target is None:
                if inc not in HEADER_LAYER:
                    problems.append(f"{rel}:{lineno}: cannot resolve \"{inc}\"")
                    continue
                target, tgt_layer = PUBLIC + inc, HEADER_LAYER[inc]
            else:
                tgt_layer = layer_of(target)
            shown = public_name(target) or target
            if is_private(target) and not (os.path.dirname(rel) + '/').startswith(os.path.dirname(target) + '/'):
                problems.append(f"{rel}:{lineno}: {src_layer} -> {shown}: a private header of "
                                f"{os.path.dirname(target)}/, included from outside it")
                continue
            if tgt_layer in ALLOWED[src_layer]:
                continue
            if src_layer == "cmd" and shown in CMD_NAMES_ONLY:
                continue
            if (rel, shown) in EXCEPTIONS:
                used_exceptions.add((rel, shown))
                continue
            why = " (cmd/ reaches the network through caps only)" if src_layer == "cmd" else ""
            problems.append(f"{rel}:{lineno}: {src_layer} -> {tgt_layer} ({shown}) is not an allowed edge{why}")

    # One object builds a stack (capnet/stack.h): above the library, nothing
    # assembles interfaces, transports or the capability system by hand, so
    # no tool drifts from the others.
    for rel in files:
        if not rel.startswith(("harness/", "cmd/", "sim/")):
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                m = CONSTRUCTOR.search(line)
                if m:
                    problems.append(f"{rel}:{lineno}: calls {m.group(0)}: build the stack with capnet_stack_create")

    for rel, hdr in sorted(EXCEPTIONS - used_exceptions):
        problems.append(f"EXCEPTIONS lists ({rel}, {hdr}), which no longer occurs: remove it")
    for rel in sorted(PATH_LAYER):
        if not os.path.isfile(os.path.join(root, rel)):
            print(f"note: PATH_LAYER names {rel}, which is gone: its entry can go")

    if problems:
        print("layering: edges outside the allowed table (test/build/layering.py):")
        for p in problems:
            print("  " + p)
        print(f"layering: {len(problems)} problem(s)")
        return 1
    print(f"layering: {edges} includes in {len(files)} files follow the table "
          f"({len(used_exceptions)} listed cmd/ exceptions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
