#!/bin/sh
# Usage: test-summary.sh TESTLOG.json...
# Prints one line "N passed, N failed" (", N skipped" when any were) over
# meson's test logs, one JSON object a line. OK and EXPECTEDFAIL pass; SKIP
# is skipped; FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS and anything else fail. A
# missing log (the build or the test setup failed) counts as one failure.
# Exit status 1 when anything failed. awk only: no python3 or jq needed.
set -eu

passed=0
failed=0
skipped=0
for log in "$@"; do
	if [ ! -s "$log" ]; then
		printf 'test-summary: no test log %s (build or test setup failed)\n' "$log" >&2
		failed=$((failed + 1))
		continue
	fi
	# Inside JSON strings quotes are escaped, so the only unescaped
	# `"result": "X"` on a line is the record's own field.
	counts=$(awk '
		match($0, /"result": *"[A-Z_]+"/) {
			r = substr($0, RSTART, RLENGTH)
			sub(/^"result": *"/, "", r)
			sub(/"$/, "", r)
			if (r == "OK" || r == "EXPECTEDFAIL") p++
			else if (r == "SKIP") s++
			else f++
		}
		END { printf "%d %d %d\n", p, f, s }' "$log")
	read -r p f s <<-END
	$counts
	END
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done

if [ "$skipped" -gt 0 ]; then
	printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
else
	printf '%d passed, %d failed\n' "$passed" "$failed"
fi
[ "$failed" -eq 0 ]
