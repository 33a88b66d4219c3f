#!/bin/sh
# fasttext.sh: one fastText supervised run (Debian fasttext), one JSON line.
#
# usage: fasttext.sh --train F --test F [--dataset NAME] [--threads N]
#                    [--epochs E] [--lr X] [--ngrams N] [--time-limit SEC]
#
# Input: raw text, either fastText's own '__label__X words...' lines or
# 'label<TAB>text' lines (SMS Spam Collection style), which are turned into
# the former: lower-cased, punctuation split off as fastText's docs do.
# fastText never shuffles its input, so the training file is shuffled once
# with a fixed seed (PEERS.md); neither step is timed.  fastText is not
# deterministic with more than one thread: report -thread 1 as well.
# load_s is the time to fastText's first output line ("Read NM words",
# printed after the dictionary pass); train_s is the rest.  Metric: P@1 on
# the test file, which is accuracy for one label per line.
set -eu

train='' test='' dataset='' threads=1 epochs=5 lr=0.1 ngrams=1 limit=0
while [ $# -gt 0 ]; do
	case $1 in
	--train) train=$2; shift ;;
	--test) test=$2; shift ;;
	--dataset) dataset=$2; shift ;;
	--threads) threads=$2; shift ;;
	--epochs) epochs=$2; shift ;;
	--lr) lr=$2; shift ;;
	--ngrams) ngrams=$2; shift ;;
	--time-limit) limit=$2; shift ;;
	*) echo "fasttext.sh: unknown argument '$1'" >&2; exit 64 ;;
	esac
	shift
done
[ -n "$train" ] && [ -n "$test" ] || { echo "fasttext.sh: --train and --test are required" >&2; exit 64; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# to_fasttext IN OUT: fastText format, whatever the input was
to_fasttext() {
	if head -n 1 "$1" | grep -q '^__label__'; then
		cp "$1" "$2"
	else
		awk -F '\t' 'NF >= 2 {
			t = tolower($2)
			gsub(/[.!?,'"'"'"():;]/, " & ", t)
			gsub(/[ \t]+/, " ", t)
			print "__label__" $1 " " t
		}' "$1" > "$2"
	fi
}
to_fasttext "$train" "$tmp/train.unshuffled"
to_fasttext "$test" "$tmp/test.txt"
# fixed-seed shuffle: sort by a hash of (line number, line)
awk 'BEGIN { srand(1) } { printf "%.12f\t%s\n", rand(), $0 }' "$tmp/train.unshuffled" |
	sort -k1,1 -t "$(printf '\t')" | cut -f 2- > "$tmp/train.txt"
n=$(wc -l < "$tmp/train.txt")
words=$(awk '{ w += NF - 1 } END { print w + 0 }' "$tmp/train.txt")

tl=
[ "$limit" != 0 ] && tl="timeout $limit"
now() { date +%s.%N; }
start=$(now)
status=ok
{ /usr/bin/time -f %M -o "$tmp/rss" $tl fasttext supervised -input "$tmp/train.txt" \
	-output "$tmp/model" -thread "$threads" -epoch "$epochs" -lr "$lr" \
	-wordNgrams "$ngrams" -verbose 2 2>&1 >/dev/null || echo "rc=$?" > "$tmp/rc"; } |
	{ IFS= read -r _ || :; now > "$tmp/first"; cat > /dev/null; }
end=$(now)
acc=null
if [ -f "$tmp/rc" ]; then
	status=$(sed 's/rc=124/timeout/; s/rc=\(.*\)/failed (exit \1)/' "$tmp/rc")
else
	acc=$(fasttext test "$tmp/model.bin" "$tmp/test.txt" | awk '$1 == "P@1" { print $2 }')
	[ -n "$acc" ] || acc=null
fi
rss=$(grep -Eo '^[0-9]+$' "$tmp/rss" 2>/dev/null | tail -n 1) || rss=
[ -n "$rss" ] || rss=null

awk -v ds="$dataset" -v th="$threads" -v start="$start" -v first="$(cat "$tmp/first")" \
	-v end="$end" -v n="$n" -v w="$words" -v e="$epochs" -v lr="$lr" -v ng="$ngrams" \
	-v acc="$acc" -v rss="$rss" -v st="$status" 'BEGIN {
	load = first - start; wall = end - start; train = end - first
	if (load > wall) { load = wall; train = 0 }
	sps = train > 0 ? sprintf("%.1f", n * e / train) : "null"
	wps = train > 0 ? sprintf("%.1f", w * e / train) : "null"
	printf "{\"dataset\": \"%s\", \"system\": \"fasttext\", \"engine\": \"supervised\", ", ds
	printf "\"threads\": %d, \"load_s\": %.6f, \"train_s\": %.6f, \"wall_s\": %.6f, ", th, load, train, wall
	printf "\"epochs\": %d, \"rows\": %d, \"nnz\": %d, ", e, n, w
	printf "\"samples_per_s\": %s, \"nnz_per_s\": %s, ", sps, wps
	printf "\"metric\": \"test_accuracy\", \"value\": %s, \"peak_rss_kb\": %s, ", acc, rss
	printf "\"params\": {\"lr\": %s, \"wordNgrams\": %s, \"nnz_is\": \"words\"}, ", lr, ng
	printf "\"status\": \"%s\"}\n", st
}'
