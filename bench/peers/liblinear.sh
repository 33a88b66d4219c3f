#!/bin/sh
# liblinear.sh: one LIBLINEAR run (Debian liblinear-tools), one JSON line.
#
# usage: liblinear.sh --train F --test F [--dataset NAME] [--solver S]
#                     [--lambda L] [--time-limit SEC] [--rows N --nnz N]
#                     [--svr-eps P]
#
# Same objective as dmlhog (PEERS.md): C = 1 / (n lambda); lambda < 0 or
# unset means 1/n, i.e. LIBLINEAR's default C = 1.  -B 1 adds a bias
# feature, which LIBLINEAR regularises and dmlhog does not.  LIBLINEAR
# prints nothing while it reads, so load_s is the time to the solver's
# first output byte (reading plus the solver's set-up: for -s 0 the first
# function value, for the dual solvers the first pass); train_s is the rest.
# Peak RSS comes from /usr/bin/time (Debian package `time`).  Solvers 11-13
# are regression (SVR; --svr-eps 0 with -s 11 is ridge regression): the
# metric is then the test RMSE.
set -eu

train='' test='' dataset='' solver=0 lambda=-1 limit=0 n='' nnz='' eps=''
while [ $# -gt 0 ]; do
	case $1 in
	--train) train=$2; shift ;;
	--test) test=$2; shift ;;
	--dataset) dataset=$2; shift ;;
	--solver) solver=$2; shift ;;
	--svr-eps) eps=$2; shift ;;
	--lambda) lambda=$2; shift ;;
	--time-limit) limit=$2; shift ;;
	--rows) n=$2; shift ;;
	--nnz) nnz=$2; shift ;;
	*) echo "liblinear.sh: unknown argument '$1'" >&2; exit 64 ;;
	esac
	shift
done
[ -n "$train" ] && [ -n "$test" ] || { echo "liblinear.sh: --train and --test are required" >&2; exit 64; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# counts, unless the caller knows them (awk over a GB takes a while)
[ -n "$n" ] || n=$(grep -c . "$train")
[ -n "$nnz" ] || nnz=$(awk 'NF { n += NF - 1 } END { print n + 0 }' "$train")
c=$(awk -v n="$n" -v l="$lambda" 'BEGIN { if (l <= 0) print 1; else printf "%.10g\n", 1 / (n * l) }')
tl=
[ "$limit" != 0 ] && tl="timeout $limit"

now() { date +%s.%N; }
start=$(now)
# The first byte the solver prints marks the end of reading.
status=ok metric=test_accuracy
{ /usr/bin/time -f %M -o "$tmp/rss" $tl liblinear-train -s "$solver" -c "$c" -B 1 ${eps:+-p "$eps"} \
	"$train" "$tmp/model" || echo "rc=$?" > "$tmp/rc"; } |
	{ dd bs=1 count=1 2>/dev/null >/dev/null; now > "$tmp/first"; cat > "$tmp/log"; }
end=$(now)
if [ -f "$tmp/rc" ]; then
	status=$(sed 's/rc=124/timeout/; s/rc=\(.*\)/failed (exit \1)/' "$tmp/rc")
	acc=null
else
	liblinear-predict "$test" "$tmp/model" "$tmp/pred" > "$tmp/predict.out"
	case $solver in
	11|12|13) # regression: "Mean squared error = X (regression)"
		metric=test_rmse
		acc=$(sed -n 's/^Mean squared error = \([0-9.eE+-]*\).*/\1/p' "$tmp/predict.out")
		acc=$(awk -v a="$acc" 'BEGIN { printf "%.6f", sqrt(a) }') ;;
	*)
		acc=$(sed -n 's/^Accuracy = \([0-9.]*\)%.*/\1/p' "$tmp/predict.out")
		acc=$(awk -v a="$acc" 'BEGIN { printf "%.6f", a / 100 }') ;;
	esac
fi
rss=$(grep -Eo '^[0-9]+$' "$tmp/rss" 2>/dev/null | tail -n 1) || rss=
[ -n "$rss" ] || rss=null

awk -v ds="$dataset" -v s="$solver" -v c="$c" -v start="$start" -v first="$(cat "$tmp/first")" \
	-v end="$end" -v n="$n" -v nnz="$nnz" -v acc="$acc" -v rss="$rss" -v st="$status" \
	-v metric="$metric" 'BEGIN {
	load = first - start; wall = end - start; train = end - first
	if (load > wall) { load = wall; train = 0 }
	printf "{\"dataset\": \"%s\", \"system\": \"liblinear\", \"engine\": \"-s %s\", ", ds, s
	printf "\"threads\": 1, \"load_s\": %.6f, \"train_s\": %.6f, \"wall_s\": %.6f, ", load, train, wall
	printf "\"rows\": %d, \"nnz\": %d, \"samples_per_s\": null, \"nnz_per_s\": null, ", n, nnz
	printf "\"metric\": \"%s\", \"value\": %s, \"peak_rss_kb\": %s, ", metric, acc, rss
	printf "\"params\": {\"C\": %s, \"B\": 1}, \"status\": \"%s\"}\n", c, st
}'
