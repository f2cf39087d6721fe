# Shared by the replay tests: their arguments (CAPNET FIXTURES CASE), a
# scratch folder removed on exit, and how they fail.
set -u
capnet=$1
fx=$2
case_=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
