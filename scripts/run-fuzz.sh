#!/bin/sh
# Usage: run-fuzz.sh BUILDDIR
# Runs every libFuzzer target BUILDDIR/fuzz/fuzz_<name> for FUZZ_SECONDS
# each (default 30) or, when FUZZ_TOTAL_SECONDS is set, that budget split
# evenly over the targets (at least 1 s each). Seeds are read from
# fixtures/corpus/<name>/; new inputs go to fuzz-out/corpus/<name>/ and
# crash reproducers to fuzz-out/artifacts/, so the fixtures stay as
# committed. Each target's output is in fuzz-out/<name>.log (its tail is
# shown when it fails). With PROPERTY_TEST set to the cap-property test
# binary, that runs once more with a random seed. Prints "N passed, N failed" over the targets, also
# written to fuzz-out/summary.txt; exit status 1 when any failed.
set -eu

build=${1:?usage: run-fuzz.sh BUILDDIR}
out=fuzz-out
mkdir -p "$out/corpus" "$out/artifacts"
rm -f "$out/summary.txt"

targets=$(find "$build/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | LC_ALL=C sort)
n=0
for t in $targets; do
	n=$((n + 1))
done
if [ "$n" -eq 0 ]; then
	echo "fuzz: no targets in $build/fuzz"
	echo "0 passed, 0 failed" | tee "$out/summary.txt"
	exit 0
fi

secs=${FUZZ_SECONDS:-30}
if [ -n "${FUZZ_TOTAL_SECONDS:-}" ]; then
	secs=$((FUZZ_TOTAL_SECONDS / n))
	[ "$secs" -ge 1 ] || secs=1
fi

passed=0
failed=0
for t in $targets; do
	name=$(basename "$t")
	name=${name#fuzz_}
	mkdir -p "$out/corpus/$name"
	seeds=fixtures/corpus/$name
	[ -d "$seeds" ] || seeds=
	printf 'fuzz: %s for %d s\n' "$name" "$secs"
	# shellcheck disable=SC2086 # $seeds is empty or one directory
	if "$t" -max_total_time="$secs" -artifact_prefix="$out/artifacts/$name-" \
		"$out/corpus/$name" $seeds >"$out/$name.log" 2>&1 </dev/null; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		printf 'fuzz: %s FAILED; last lines of %s:\n' "$name" "$out/$name.log"
		tail -n 40 "$out/$name.log"
	fi
done

# The capability property test with a fresh random seed: thousands of
# random call sequences across cspaces, checked against a model. It prints
# the seed on failure, so a find reproduces with CAPNET_PROPERTY_SEED=<n>.
if [ -n "${PROPERTY_TEST:-}" ] && [ -x "$PROPERTY_TEST" ]; then
	printf 'fuzz: capability property test, random seed\n'
	if CAPNET_PROPERTY_SEED=random "$PROPERTY_TEST" >"$out/cap-property.log" 2>&1 </dev/null; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		printf 'fuzz: cap-property FAILED; last lines of %s:\n' "$out/cap-property.log"
		tail -n 40 "$out/cap-property.log"
	fi
fi

printf '%d passed, %d failed\n' "$passed" "$failed" | tee "$out/summary.txt"
[ "$failed" -eq 0 ]
