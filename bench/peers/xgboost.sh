#!/bin/sh
# xgboost.sh: one xgboost CLI run (Debian xgboost), one JSON line.
#
# usage: xgboost.sh --train F --test F [--dataset NAME] [--booster gblinear|gbtree]
#                   [--threads N] [--rounds R] [--eta X] [--lambda L]
#                   [--depth D] [--time-limit SEC] [--prep-dir DIR]
#
# xgboost wants 0/1 labels: +1/-1 (or 0/1) files become 0/1; other integer
# labels are taken as classes (multi:softmax).  That rewrite is not timed;
# with --prep-dir it is kept there and reused by later runs on the same
# files (three passes over 1.3 GB of text cost a repetition about a minute).
# gblinear is the linear peer; its lambda is on the mean loss (xgboost
# scales it by the sum of instance weights), as dmlhog's: < 0 means 1/n.
# gbtree is "what users reach for" (depth 6, eta 0.3 by default).
# The test set is scored every round (eval_metric error/merror), which
# xgboost counts inside its training loop: that gives the time-to-target
# trace and costs it a little time.  load_s is xgboost's own "Loading data"
# figure (train and test); train_s is the rest of the run.
set -eu

train='' test='' dataset='' booster=gblinear threads=1 rounds=50 eta='' lambda=-1 depth=6 limit=0
prep=''
while [ $# -gt 0 ]; do
	case $1 in
	--train) train=$2; shift ;;
	--test) test=$2; shift ;;
	--dataset) dataset=$2; shift ;;
	--booster) booster=$2; shift ;;
	--threads) threads=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	--eta) eta=$2; shift ;;
	--lambda) lambda=$2; shift ;;
	--depth) depth=$2; shift ;;
	--time-limit) limit=$2; shift ;;
	--prep-dir) prep=$2; shift ;;
	*) echo "xgboost.sh: unknown argument '$1'" >&2; exit 64 ;;
	esac
	shift
done
[ -n "$train" ] && [ -n "$test" ] || { echo "xgboost.sh: --train and --test are required" >&2; exit 64; }
case $booster in
gblinear) : "${eta:=0.5}" ;;
gbtree) : "${eta:=0.3}" ;;
*) echo "xgboost.sh: --booster: '$booster': expected gblinear or gbtree" >&2; exit 64 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Labels: binary when every label is one of -1, +1, 0, 1.
relabel() {
	if [ "$classes" = 2 ]; then
		awk 'NF { $1 = ($1 > 0) ? 1 : 0; print }' "$1" > "$2"
	else
		awk 'NF' "$1" > "$2"
	fi
}
# Writes DIR/train, DIR/test and DIR/info ("classes rows nnz").
prepare_files() {
	classes=$(awk '{ l[$1 + 0] = 1 } END {
		bin = 1; m = 0
		for (k in l) { if (k != -1 && k != 0 && k != 1) bin = 0; if (k + 0 > m) m = k + 0 }
		print bin ? 2 : m + 1 }' "$train")
	relabel "$train" "$1/train"
	relabel "$test" "$1/test"
	echo "$classes $(wc -l < "$1/train") $(awk '{ n += NF - 1 } END { print n + 0 }' "$1/train")" \
		> "$1/info"
}
# In --prep-dir: made once (into a temporary directory, then renamed),
# reused while newer than the sources.
files=$tmp
if [ -n "$prep" ]; then
	files=$prep/$(basename "$train").xgb
	if ! { [ "$files/info" -nt "$train" ] && [ "$files/info" -nt "$test" ]; }; then
		rm -rf "$files" "$files.tmp"
		mkdir "$files.tmp"
		prepare_files "$files.tmp"
		mv "$files.tmp" "$files"
	fi
else
	prepare_files "$tmp"
fi
read -r classes n nnz < "$files/info"
xl=$(awk -v n="$n" -v l="$lambda" 'BEGIN { printf "%.10g", (l > 0 ? l : 1 / n) }')

if [ "$classes" = 2 ]; then
	obj="objective = binary:logistic
eval_metric = error"
else
	obj="objective = multi:softmax
num_class = $classes
eval_metric = merror"
fi
cat > "$tmp/train.conf" <<EOF
booster = $booster
$obj
eta = $eta
lambda = $xl
max_depth = $depth
num_round = $rounds
nthread = $threads
verbosity = 2
data = "$files/train?format=libsvm"
eval[test] = "$files/test?format=libsvm"
model_out = $tmp/model
EOF
cat > "$tmp/pred.conf" <<EOF
task = pred
nthread = $threads
model_in = $tmp/model
test:data = "$files/test?format=libsvm"
name_pred = $tmp/pred
EOF

tl=
[ "$limit" != 0 ] && tl="timeout $limit"
now() { date +%s.%N; }
start=$(now)
status=ok
/usr/bin/time -f %M -o "$tmp/rss" $tl xgboost "$tmp/train.conf" > "$tmp/log" 2>&1 || status=$?
end=$(now)
acc=null
case $status in
ok)
	xgboost "$tmp/pred.conf" > /dev/null 2>&1
	acc=$(awk -v c="$classes" 'NR == FNR { y[FNR] = $1; next }
		{ p = (c == 2) ? ($1 > 0.5) : $1 + 0; ok += (p == y[FNR]); n++ }
		END { if (n) printf "%.6f", ok / n; else print "null" }' "$files/test" "$tmp/pred") ;;
124) status=timeout ;;
*) status="failed (exit $status)" ;;
esac
rss=$(grep -Eo '^[0-9]+$' "$tmp/rss" 2>/dev/null | tail -n 1) || rss=
[ -n "$rss" ] || rss=null

# trace: [round, seconds since training began, test accuracy]
awk -v ds="$dataset" -v b="$booster" -v th="$threads" -v start="$start" -v end="$end" \
	-v n="$n" -v nnz="$nnz" -v r="$rounds" -v eta="$eta" -v xl="$xl" -v acc="$acc" \
	-v rss="$rss" -v st="$status" -v c="$classes" '
	/Loading data:/ { for (i = 1; i <= NF; i++) if ($i == "data:") load = $(i + 1) }
	# "boosting round k, T sec elapsed" opens round k, so round k ends at
	# the start of the next (the last one at the end of training)
	/boosting round/ { for (i = 1; i <= NF; i++) if ($i == "sec") t[++nt] = $(i - 1) }
	/test-m?error:/ { split($0, a, ":"); e[++k] = a[length(a)] + 0 }
	END {
		wall = end - start; train = wall - load
		for (i = 1; i <= k; i++)
			tr = tr (i > 1 ? ", " : "") sprintf("[%d, %.6f, %.6f]", i, i < nt ? t[i + 1] : train, 1 - e[i])
		sps = train > 0 ? sprintf("%.1f", n * r / train) : "null"
		nps = train > 0 ? sprintf("%.1f", nnz * r / train) : "null"
		printf "{\"dataset\": \"%s\", \"system\": \"xgboost\", \"engine\": \"%s\", ", ds, b
		printf "\"threads\": %d, \"load_s\": %.6f, \"train_s\": %.6f, \"wall_s\": %.6f, ", th, load, train, wall
		printf "\"epochs\": %d, \"rows\": %d, \"nnz\": %d, ", r, n, nnz
		printf "\"samples_per_s\": %s, \"nnz_per_s\": %s, ", sps, nps
		printf "\"metric\": \"test_accuracy\", \"value\": %s, \"peak_rss_kb\": %s, ", acc, rss
		printf "\"params\": {\"eta\": %s, \"lambda\": %s, \"classes\": %d}, ", eta, xl, c
		printf "\"trace\": [%s], \"status\": \"%s\"}\n", tr, st
	}' "$tmp/log"
