#!/bin/sh
# hogwild.sh: the hot-feature views of Hogwild! workers.  Two or more
# threads on one copy of a binary or regression model step the hot features
# (and the bias) in per-thread views, say so in a notice, and still reach
# the serial engine's accuracy; --hot-params off turns the views off; one
# thread, one copy per thread, multiclass models and factorisation have no
# views; a threshold is refused.
. "${top_srcdir:-.}/tests/cli/lib.sh"

unset DMLHOG_THREADS OMP_NUM_THREADS SLURM_CPUS_PER_TASK DMLHOG_BIND
A9A="$top_srcdir/data/a9a" A9AT="$top_srcdir/data/a9a.t"
GS="$top_builddir/bench/gen-sparse"

# ---- the notice ------------------------------------------------------------
run "$DMLHOG" train --summary none -e 1 --engine hogwild -T 2 "$A9A" m.model
exit_is 0 "hogwild -T 2 on a9a"
has "$T/err" "hogwild: " "a notice names the hot parameters"
n=$(sed -n 's/.*hogwild: \([0-9]*\) hot parameters.*/\1/p' "$T/err")
# a9a: 14 non-zeros in 123 features, so dozens are in 1 sample of 16
[ -n "$n" ] && [ "$n" -gt 10 ] && [ "$n" -lt 124 ]
ok $? "a9a: between 10 and 123 hot parameters, the bias among them (notice says '$n')"
has "$T/err" "(the bias and the features in 1/16" "the notice counts the bias"

for flags in "-T 1" "-T 2 --hot-params off" "-T 2 --replicas thread"; do
	# shellcheck disable=SC2086
	run "$DMLHOG" train --summary none -e 1 --engine hogwild $flags "$A9A" m.model
	exit_is 0 "hogwild $flags"
	if grep -q "hot parameters" "$T/err"; then
		fail "hogwild $flags: no views, no notice"
		diag "$(cat "$T/err")"
	else
		pass "hogwild $flags: no views, no notice"
	fi
done
run "$DMLHOG" train --summary none -e 1 --engine hogwild -T 2 "$CLIDATA/cli-ratings.txt" m.model
exit_is 0 "hogwild -T 2 on ratings"
if grep -q "hot parameters" "$T/err"; then fail "factorisation: no views"; else pass "factorisation: no views"; fi
run "$DMLHOG" train --summary none -e 1 --engine hogwild -T 2 "$CLIDATA/cli-multiclass.svm" m.model
exit_is 0 "hogwild -T 2 on a multiclass set"
if grep -q "hot parameters" "$T/err"; then fail "multiclass (a row of weights per feature): no views"
else pass "multiclass (a row of weights per feature): no views"; fi

# ---- accuracy: views on and off against serial ----------------------------
# acc FILE TEST FLAGS...: test accuracy of one run, in percent
acc() {
	tr=$1 te=$2
	shift 2
	"$DMLHOG" train -q --summary json --test "$te" "$@" "$tr" m.model 2>"$T/err" |
		python3 -c 'import json,sys; print(100 * json.load(sys.stdin)["test_accuracy"])' 2>/dev/null
}
# within GOT REF WHAT: GOT no more than 0.3 points below REF
within() {
	if python3 -c 'import sys; sys.exit(0 if float(sys.argv[2]) - float(sys.argv[1]) <= 0.3 else 1)' \
		"$1" "$2" 2>/dev/null; then
		pass "$3: $1 vs serial $2"
	else
		fail "$3: $1 vs serial $2"
	fi
}
ref=$(acc "$A9A" "$A9AT")
within "$(acc "$A9A" "$A9AT" --engine hogwild -T 2)" "$ref" "a9a hogwild -T 2 with views"
within "$(acc "$A9A" "$A9AT" --engine hogwild -T 2 --hot-params off)" "$ref" "a9a hogwild -T 2 without"

# Power-law features (generated, Zipf 1): the case the views are for.
if [ -x "$GS" ]; then
	"$GS" --rows 40000 --features 20000 --nnz-per-row 30 --seed 3 -o gs.train 2>/dev/null &&
		"$GS" --rows 10000 --features 20000 --nnz-per-row 30 --seed 3 --stream 1 -o gs.test 2>/dev/null
	ref=$(acc gs.train gs.test -e 3)
	within "$(acc gs.train gs.test -e 3 --engine hogwild -T 2)" "$ref" \
		"generated power-law set, hogwild -T 2 with views"
	within "$(acc gs.train gs.test -e 3 --engine hogwild -T 4)" "$ref" \
		"generated power-law set, hogwild -T 4 (oversubscribed) with views"
else
	skip "generated power-law set: $GS not built"
	skip "generated power-law set, -T 4: $GS not built"
fi

# ---- usage errors ------------------------------------------------------------
run "$DMLHOG" train --summary none -e 1 --engine hogwild -T 2 --hot-params 5 "$HEART" m.model
exit_is 64 "hogwild --hot-params 5"
has "$T/err" "--engine hogwild takes auto or off" "the message says what hogwild takes"
run "$DMLHOG" train --summary none -e 1 --engine locked -T 2 --hot-params off "$HEART" m.model
exit_is 64 "locked --hot-params off"
has "$T/err" "--hot-params applies to --engine cyclades and hogwild, not locked" \
	"the message names the engines that take it"

done_testing
