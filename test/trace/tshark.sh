#!/bin/sh
# The exported trace opens cleanly in tshark: every record is read, no
# frame is malformed and no expert warning is raised -- header-only records
# are known to be captured short (caplen < len under the file's snaplen),
# not cut in the middle of a header. Skips (77) without tshark.
# Usage: tshark.sh CAPNET
set -u
capnet=$1
command -v tshark >/dev/null 2>&1 || { echo "tshark not installed: skipped"; exit 77; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail=0
for dir in both rx tx; do
	f="$d/trace-$dir.pcap"
	"$capnet" trace dhcp-tcp --dir "$dir" --capacity 256 --pcap "$f" >"$d/out.txt" 2>&1 ||
		{ cat "$d/out.txt"; echo "FAIL: capnet trace --dir $dir"; fail=1; continue; }
	records=$(grep -c '\[[0-9]*/[0-9]*\]$' "$d/out.txt")
	frames=$(tshark -r "$f" 2>/dev/null | wc -l)
	[ "$frames" -eq "$records" ] && [ "$frames" -gt 0 ] ||
		{ echo "FAIL: --dir $dir: tshark reads $frames frames, capnet printed $records records"; fail=1; }
	bad=$(tshark -r "$f" -Y '_ws.malformed' 2>/dev/null)
	[ -z "$bad" ] || { echo "FAIL: --dir $dir: malformed frames:"; echo "$bad"; fail=1; }
	warn=$(tshark -r "$f" -Y '_ws.expert.severity >= warning' 2>/dev/null)
	[ -z "$warn" ] || { echo "FAIL: --dir $dir: expert warnings:"; echo "$warn"; fail=1; }
	cut=$(tshark -r "$f" -Y 'frame.cap_len < frame.len' 2>/dev/null | wc -l)
	echo "--dir $dir: $frames frames, $cut captured short, 0 malformed, no expert warnings"
done
[ $fail -eq 0 ] && echo "tshark opens every export cleanly"
exit $fail
