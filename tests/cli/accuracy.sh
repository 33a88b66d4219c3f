#!/bin/sh
# Accuracy on real data against LIBLINEAR (and, for factorisation, against a
# bias-only baseline), with dmlhog's defaults: only --task and --loss pick the
# model. This is what a user gets without tuning, on the same files LIBLINEAR
# sees, so a regression in a default (step size, epochs, regularisation,
# shuffling) or in a reader shows up as lost accuracy.
#
# Skipped unless DMLHOG_TEST_DATA names the shared real data (see README.md).
# When it is set, every input must be there: a missing set is a failure, and so
# are missing liblinear-train/liblinear-predict (Debian: liblinear-tools).
#
# Needs $DMLHOG, $top_srcdir and $top_builddir (set by make check).
# DMLHOG_PREPARED: where data/prepare writes (default $top_builddir/prepared);
# LIBLINEAR's figures are cached there, keyed by the inputs' sha256.
# Writes every figure to $top_builddir/accuracy.tsv (a cached LIBLINEAR result
# keeps the training time measured when it was cached).

if [ -z "${DMLHOG_TEST_DATA:-}" ]; then
	echo "1..0 # SKIP DMLHOG_TEST_DATA not set (the shared real data; see README.md)"
	exit 0
fi

: "${top_srcdir:?}" "${top_builddir:?}" "${DMLHOG:?}"
prepared=${DMLHOG_PREPARED:-$top_builddir/prepared}
data=$top_srcdir/data
tsv=$top_builddir/accuracy.tsv
work=$(mktemp -d "${TMPDIR:-/tmp}/dmlhog-accuracy.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
n=0
failed=0

echo "1..13"

bail() {
	echo "Bail out! $*"
	exit 1
}

now() {
	date +%s.%N
}

since() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'
}

# report NAME OK DESCRIPTION [DIAGNOSTIC_FILE]
report() {
	n=$((n + 1))
	if [ "$2" = 1 ]; then
		echo "ok $n - $1: $3"
	else
		echo "not ok $n - $1: $3"
		failed=$((failed + 1))
		if [ -n "${4:-}" ] && [ -s "$4" ]; then
			tail -n 15 "$4" | sed 's/^/# /'
		fi
	fi
}

# record NAME DMLHOG REFERENCE DIFF LIMIT RESULT DMLHOG_S REFERENCE_S
record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$tsv"
}

# json_number KEY: the number under KEY (at any depth) in the JSON object on stdin
json_number() {
	python3 -c '
import json, sys
def find(o, k):
    if isinstance(o, dict):
        if k in o and isinstance(o[k], (int, float)):
            return o[k]
        for v in o.values():
            r = find(v, k)
            if r is not None:
                return r
    elif isinstance(o, list):
        for v in o:
            r = find(v, k)
            if r is not None:
                return r
    return None
try:
    r = find(json.loads(sys.stdin.read()), sys.argv[1])
except ValueError as e:
    sys.exit("not one JSON object: %s" % e)
if r is None:
    sys.exit("no numeric key %s" % sys.argv[1])
print(repr(float(r)))
' "$1"
}

# liblinear SOLVER TRAIN TEST: prints "ACCURACY SECONDS" (cached by input checksums)
liblinear() {
	key=$(cat "$2" "$3" | sha256sum | cut -c1-32)-s$1
	cache=$prepared/liblinear-cache/$key
	if [ -s "$cache" ]; then
		cat "$cache"
		return 0
	fi
	start=$(now)
	liblinear-train -q -s "$1" "$2" "$work/ll.model" > "$work/ll.log" 2>&1 || return 1
	secs=$(since "$start")
	liblinear-predict "$3" "$work/ll.model" "$work/ll.out" > "$work/ll.pred" 2>&1 || return 1
	acc=$(sed -n 's/^Accuracy = \([0-9.]*\)%.*/\1/p' "$work/ll.pred")
	[ -n "$acc" ] || return 1
	mkdir -p "$prepared/liblinear-cache"
	echo "$acc $secs" > "$cache.tmp" && mv "$cache.tmp" "$cache"
	echo "$acc $secs"
}

# dmlhog_metric KEY TRAIN TEST ARGS...: trains with defaults, prints "VALUE SECONDS"
dmlhog_metric() {
	dkey=$1 dtrain=$2 dtest=$3
	shift 3
	start=$(now)
	"$DMLHOG" train "$@" --test "$dtest" --summary json "$dtrain" "$work/model" \
		> "$work/summary.json" 2> "$work/dmlhog.log" || {
		echo "exit status $?" >> "$work/dmlhog.log"
		return 1
	}
	secs=$(since "$start")
	value=$(json_number "$dkey" < "$work/summary.json" 2>> "$work/dmlhog.log") || return 1
	echo "$value $secs"
}

# compare NAME SOLVER TOLERANCE TRAIN TEST DMLHOG_ARGS...
compare() {
	name=$1 solver=$2 tol=$3 train=$4 test=$5
	shift 5
	: > "$work/dmlhog.log"
	if ! ll=$(liblinear "$solver" "$train" "$test"); then
		cp "$work/ll.log" "$work/dmlhog.log" 2>/dev/null
		report "$name" 0 "liblinear -s $solver failed" "$work/dmlhog.log"
		return
	fi
	if ! dm=$(dmlhog_metric test_accuracy "$train" "$test" "$@"); then
		report "$name" 0 "dmlhog train $* failed" "$work/dmlhog.log"
		record "$name" NA "${ll% *}" NA "$tol" fail NA "${ll#* }"
		return
	fi
	# The summary may give accuracy as a fraction or in percent.
	line=$(awk -v d="${dm% *}" -v l="${ll% *}" -v t="$tol" 'BEGIN {
		if (d <= 1) d *= 100
		diff = l - d
		printf "%.2f %.2f %.2f %d", d, l, diff, (diff <= t + 1e-9)
	}')
	# shellcheck disable=SC2086
	set -- $line
	if [ "$4" = 1 ]; then cmp="<="; res=pass; else cmp=">"; res=fail; fi
	report "$name" "$4" "dmlhog $1 vs liblinear $2 (diff $3 $cmp $tol)" "$work/dmlhog.log"
	record "$name" "$1" "$2" "$3" "$tol" "$res" "${dm#* }" "${ll#* }"
}

# Bias-only baseline for the ratings split (see the brief in README.md):
# mu = mean train rating; b_i = sum(r - mu) / (5 + n_i); then
# b_u = sum(r - mu - b_i) / (10 + n_u); predict mu + b_u + b_i (unseen: 0).
baseline_rmse() {
	awk -F, -v train="$1" '
	FNR == 1 { next }
	FILENAME == train { u[NR] = $1; i[NR] = $2; r[NR] = $3; sum += $3; n++; next }
	{ tu[++m] = $1; ti[m] = $2; tr[m] = $3 }
	END {
		mu = sum / n
		for (k in r) { si[i[k]] += r[k] - mu; ni[i[k]]++ }
		for (j in si) bi[j] = si[j] / (5 + ni[j])
		for (k in r) { su[u[k]] += r[k] - mu - bi[i[k]]; nu[u[k]]++ }
		for (j in su) bu[j] = su[j] / (10 + nu[j])
		for (k = 1; k <= m; k++) { e = tr[k] - (mu + bu[tu[k]] + bi[ti[k]]); se += e * e }
		printf "%.4f\n", sqrt(se / m)
	}' "$1" "$2"
}

mf() {
	train=$prepared/ml.train test=$prepared/ml.test
	base=$(baseline_rmse "$train" "$test")
	: > "$work/dmlhog.log"
	if ! dm=$(dmlhog_metric test_rmse "$train" "$test" --task mf); then
		report "ml-latest-small mf" 0 "dmlhog train --task mf failed" "$work/dmlhog.log"
		report "ml-latest-small mf vs bias baseline" 0 "no dmlhog figure (baseline RMSE $base)"
		record "ml-latest-small mf rmse" NA 0.88 NA 0.88 fail NA NA
		record "ml-latest-small mf vs baseline" NA "$base" NA 1% fail NA NA
		return
	fi
	# shellcheck disable=SC2046
	set -- $(awk -v d="${dm% *}" -v b="$base" 'BEGIN {
		gain = 100 * (b - d) / b
		printf "%.4f %.2f %d %d", d, gain, (d <= 0.88), (gain >= 1)
	}')
	if [ "$3" = 1 ]; then c="<="; r=pass; else c=">"; r=fail; fi
	report "ml-latest-small mf" "$3" "dmlhog test RMSE $1 ($1 $c 0.88)" "$work/dmlhog.log"
	record "ml-latest-small mf rmse" "$1" 0.88 NA 0.88 "$r" "${dm#* }" NA
	if [ "$4" = 1 ]; then c=">="; r=pass; else c="<"; r=fail; fi
	report "ml-latest-small mf vs bias baseline" "$4" \
		"dmlhog $1 vs baseline $base ($2% below, $c 1%)"
	record "ml-latest-small mf vs baseline" "$1" "$base" "$2%" 1% "$r" "${dm#* }" NA
}

for tool in liblinear-train liblinear-predict; do
	command -v "$tool" >/dev/null 2>&1 ||
		bail "$tool not found (Debian: apt-get install liblinear-tools)"
done
command -v python3 >/dev/null 2>&1 || bail "python3 not found"
[ -d "$DMLHOG_TEST_DATA" ] || bail "DMLHOG_TEST_DATA=$DMLHOG_TEST_DATA is not a directory"
for f in a9a a9a.t agaricus.txt.train agaricus.txt.test; do
	[ -r "$data/$f" ] || bail "$data/$f missing"
done
[ -x "$DMLHOG" ] || bail "$DMLHOG not built"

start=$(now)
if sh "$top_srcdir/data/prepare" "$prepared" > "$work/prepare.log" 2>&1; then
	report "data/prepare" 1 "all sets in $prepared with the recorded sha256 ($(since "$start") s)"
else
	report "data/prepare" 0 "failed; see below" "$work/prepare.log"
	bail "prepared data missing"
fi

printf 'test\tdmlhog\treference\tdiff\tlimit\tresult\tdmlhog_s\treference_s\n' > "$tsv"
p=$prepared
compare "a9a logistic" 0 0.3 "$data/a9a" "$data/a9a.t" --task binary --loss logistic
compare "a9a hinge" 3 0.3 "$data/a9a" "$data/a9a.t" --task binary --loss hinge
compare "agaricus logistic" 0 0.3 "$data/agaricus.txt.train" "$data/agaricus.txt.test" \
	--task binary --loss logistic
compare "agaricus hinge" 3 0.3 "$data/agaricus.txt.train" "$data/agaricus.txt.test" \
	--task binary --loss hinge
compare "rcv1-vw-small logistic" 0 1 "$p/rcv1-vw-small.train.svm" "$p/rcv1-vw-small.test.svm" \
	--task binary --loss logistic
compare "rcv1-vw-small hinge" 3 1 "$p/rcv1-vw-small.train.svm" "$p/rcv1-vw-small.test.svm" \
	--task binary --loss hinge
compare "w8a logistic" 0 1 "$p/w8a.train" "$p/w8a.test" --task binary --loss logistic
compare "w8a hinge" 3 1 "$p/w8a.train" "$p/w8a.test" --task binary --loss hinge
compare "fashion-mnist softmax" 0 1 "$p/fashion-mnist.train" "$p/fashion-mnist.test" \
	--task multiclass --loss logistic
compare "wordnet softmax" 0 1 "$p/wordnet.train" "$p/wordnet.test" --task multiclass --loss logistic
mf

echo "# figures in $tsv"
[ "$failed" = 0 ]
