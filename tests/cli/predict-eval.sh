#!/bin/sh
# predict-eval.sh: `dmlhog predict` writes one prediction per row (labels as
# written, probabilities in [0, 1]); `dmlhog eval` prints metrics that agree
# with those predictions, as text and as JSON.
. "${top_srcdir:-.}/tests/cli/lib.sh"

"$DMLHOG" train -q --summary none "$HEART" hs.model
"$DMLHOG" train -q --summary none "$CLIDATA/cli-multiclass.svm" mc.model
"$DMLHOG" train -q --summary none -e 5 "$CLIDATA/cli-ratings.txt" mf.model
"$DMLHOG" train -q --summary none "$CLIDATA/cli-regression.svm" reg.model
rows=$(grep -c . "$HEART")

run "$DMLHOG" predict hs.model "$HEART"
exit_is 0 "predict to stdout"
is "$(wc -l <"$T/out" | tr -d ' ')" "$rows" "one prediction per row"
is "$(sort -u "$T/out" | tr '\n' ' ')" "-1 1 " "predictions are the labels as written (1 / -1)"
cp "$T/out" labels.txt

run "$DMLHOG" predict hs.model "$HEART" pred.txt
exit_is 0 "predict to a file"
test ! -s "$T/out"
ok $? "nothing on stdout when OUT is given"
cmp -s pred.txt labels.txt
ok $? "OUT holds the same predictions"
ls pred.txt.tmp.* >/dev/null 2>&1
ok $((!$?)) "no temporary file left beside OUT"

run "$DMLHOG" predict --proba hs.model "$HEART"
exit_is 0 "predict --proba"
is "$(wc -l <"$T/out" | tr -d ' ')" "$rows" "one probability per row"
awk '!($1 >= 0 && $1 <= 1) { bad++ } END { exit bad > 0 }' "$T/out"
ok $? "probabilities are in [0, 1]"
paste -d' ' "$T/out" labels.txt | awk '($1 > 0.5) != ($2 == 1) { bad++ } END { exit bad > 0 }'
ok $? "P(positive) > 0.5 exactly where the label predicted is 1"

run "$DMLHOG" eval hs.model "$HEART"
exit_is 0 "eval, text"
for k in task rows accuracy log_loss auc; do
	[ -n "$(value "$k")" ]
	ok $? "eval prints '$k'"
done
is "$(value rows)" "$rows" "eval counts every row"
acc=$(cut -d' ' -f1 "$HEART" | sed 's/^+//' | paste -d' ' labels.txt - |
	awk '{ n++; c += ($1 == $2) } END { printf "%.6f", c / n }')
awk -v a="$(value accuracy)" -v b="$acc" 'BEGIN { d = a - b; exit !(d < 1e-5 && d > -1e-5) }'
ok $? "eval's accuracy agrees with predict ($(value accuracy) vs $acc)"

if have_python; then
	run "$DMLHOG" eval --summary json hs.model "$HEART"
	exit_is 0 "eval --summary json"
	python3 -m json.tool "$T/out" >/dev/null 2>&1
	ok $? "eval JSON is valid"
	is "$(json_get rows)" "$rows" "eval JSON: rows"
	ge "$(json_get auc)" 0.8
	ok $? "eval JSON: auc >= 0.8"
else
	skip "python3 not installed: JSON checks"
fi

run "$DMLHOG" predict --proba mc.model "$CLIDATA/cli-multiclass.svm"
exit_is 0 "multiclass predict --proba"
awk 'NF != 3 { bad++ } { s = $1 + $2 + $3; if (s < 0.999 || s > 1.001) bad++ } END { exit bad > 0 }' "$T/out"
ok $? "multiclass: 3 probabilities per row, summing to 1"
run "$DMLHOG" eval mc.model "$CLIDATA/cli-multiclass.svm"
ge "$(value accuracy)" 0.9
ok $? "multiclass accuracy on separable data >= 0.9"

run "$DMLHOG" predict mf.model "$CLIDATA/cli-ratings.txt"
exit_is 0 "predict ratings"
is "$(wc -l <"$T/out" | tr -d ' ')" "$(grep -c . "$CLIDATA/cli-ratings.txt")" "one rating per triplet"
run "$DMLHOG" eval mf.model "$CLIDATA/cli-ratings.txt"
[ -n "$(value rmse)" ] && [ -n "$(value mae)" ]
ok $? "mf eval prints rmse and mae"

run "$DMLHOG" eval reg.model "$CLIDATA/cli-regression.svm"
[ -n "$(value rmse)" ] && [ -z "$(value accuracy)" ]
ok $? "regression eval prints rmse, no accuracy"
run "$DMLHOG" predict --proba reg.model "$CLIDATA/cli-regression.svm"
exit_is 64 "--proba on a regression model is a usage error"

if mkfifo fifo 2>/dev/null; then
	cat fifo >from-fifo &
	reader=$!
	run "$DMLHOG" predict hs.model "$HEART" fifo
	wait "$reader"
	exit_is 0 "predict to a FIFO"
	test -p fifo && cmp -s from-fifo labels.txt
	ok $? "a FIFO as OUT is written in place, not replaced by a file"
else
	skip "mkfifo failed"
fi
if [ -w /dev/full ]; then
	run sh -c "'$DMLHOG' predict hs.model '$HEART' >/dev/full"
	exit_is 74 "a failed write to stdout is an I/O error"
else
	skip "no /dev/full"
fi

done_testing
