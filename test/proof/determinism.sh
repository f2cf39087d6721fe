#!/bin/sh
# Runs one proof twice with the same seed; the transcripts and the pcaps
# must be byte-identical (DESIGN rule 1 and 2: same inputs, same frames).
# Then a different seed must still pass. Usage: determinism.sh CAPNET NAME
set -u
capnet=$1
name=$2
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
"$capnet" proof "$name" --seed 7 --pcap "$d/a.pcap" >"$d/a.txt" 2>&1 || { cat "$d/a.txt"; echo "proof $name failed"; exit 1; }
"$capnet" proof "$name" --seed 7 --pcap "$d/b.pcap" >"$d/b.txt" 2>&1 || { cat "$d/b.txt"; echo "second run of $name failed"; exit 1; }
[ -s "$d/a.pcap" ] || { echo "proof $name wrote no pcap"; exit 1; }
cmp "$d/a.pcap" "$d/b.pcap" || { echo "pcap of $name differs between two runs with seed 7"; exit 1; }
cmp "$d/a.txt" "$d/b.txt" || { diff "$d/a.txt" "$d/b.txt" | head -20; echo "transcript of $name differs"; exit 1; }
"$capnet" proof "$name" --seed 12345 >"$d/c.txt" 2>&1 || { cat "$d/c.txt"; echo "proof $name fails with seed 12345"; exit 1; }
echo "$name: deterministic ($(wc -c <"$d/a.pcap") pcap bytes, $(grep -c ' ok$' "$d/a.txt") checks)"
