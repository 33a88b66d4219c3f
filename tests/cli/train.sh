#!/bin/sh
# train.sh: `dmlhog train` end to end: the summary on stdout, the model
# file, the progress table and notices on stderr, JSON summary and log,
# reproducibility, holdout and test metrics, each task.
. "${top_srcdir:-.}/tests/cli/lib.sh"

run "$DMLHOG" train "$HEART"
exit_is 0 "train on heart_scale"
for k in status reason task loss epochs train_loss wall_s model seed threads; do
	[ -n "$(value "$k")" ]
	ok $? "summary has '$k'"
done
is "$(value status)" ok "status = ok"
is "$(value task)" binary "task decided from the labels"
is "$(value epochs)" 10 "10 epochs by default"
is "$(value model)" heart_scale.model "default model path: data basename + .model"
test -s heart_scale.model
ok $? "model file written in the current directory"
bad=$(grep -cv '^[a-z_]* = ' "$T/out")
is "$bad" 0 "stdout holds only key = value lines"
has "$T/err" "dmlhog: seed 0" "the seed is echoed on stderr"
has "$T/err" "epoch   examples" "progress table header on stderr"
n=$(grep -c '^ *[0-9][0-9]* ' "$T/err")
is "$n" 10 "one table row per epoch"
has "$T/err" "index base 1 (auto" "the index base decision is printed"

run "$DMLHOG" eval heart_scale.model "$HEART"
exit_is 0 "eval the trained model"
ge "$(value accuracy)" 0.8
ok $? "training accuracy on heart_scale >= 0.8 (got $(value accuracy))"

run "$DMLHOG" train -q "$HEART" -f again.model
cmp -s heart_scale.model again.model
ok $? "same data and seed give the same model bits"
test ! -s "$T/err"
ok $? "-q: nothing on stderr"

if have_python; then
	run "$DMLHOG" train --summary json --test "$HEART" "$HEART" j.model
	exit_is 0 "train --summary json"
	python3 -m json.tool "$T/out" >/dev/null 2>&1
	ok $? "--summary json is one valid JSON object"
	is "$(json_get status)" ok "json: status"
	is "$(json_get model)" j.model "json: model path"
	ge "$(json_get test_auc)" 0.8
	ok $? "json: test_auc >= 0.8"
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["config"]; sys.exit(not (c["lr"] == 0.1 and c["lr_schedule"] == "adagrad" and c["epochs"] == 10))' "$T/out"
	ok $? "json: config holds the resolved defaults (lr 0.1, adagrad, 10 epochs)"
	# --lr-schedule optimal is scikit-learn SGDClassifier's rule: on a9a
	# (32,561 rows, l2 = 1/n) its first rate is n^(1/4) = 13.43, and ten
	# epochs land where SGDClassifier does (83.4 %; LIBLINEAR 85.0 %)
	run "$DMLHOG" train --lr-schedule optimal --summary json --test "$top_srcdir/data/a9a.t" \
		"$top_srcdir/data/a9a" opt.model
	exit_is 0 "train --lr-schedule optimal"
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["config"]; sys.exit(not (abs(c["lr"] - 32561 ** 0.25) < 1e-9 and c["lr_schedule"] == "optimal"))' "$T/out"
	ok $? "optimal: the first rate is l2^(-1/4) (Bottou's heuristic)"
	ge "$(json_get test_accuracy)" 0.83
	ok $? "optimal: a9a test accuracy >= 0.83 (got $(json_get test_accuracy))"
else
	skip "python3 not installed: JSON checks"
fi

run "$DMLHOG" train --holdout 0.2 --early-stop 2 -e 60 --test "$HEART" "$HEART" h.model
exit_is 0 "train with holdout, early stop and test"
for k in best_epoch holdout_loss holdout_accuracy test_accuracy test_auc; do
	[ -n "$(value "$k")" ]
	ok $? "summary has '$k'"
done
is "$(value reason)" early_stop "stops early on the holdout loss"
has "$T/err" "holdout_loss holdout_acc test_acc best" "table shows holdout and test columns"

# Epochs are evaluated on a copy while the next one trains; an early stop
# decided on epoch e must still leave epoch e's model, bit for bit the model
# of a run told to stop there, and print no line for the epoch after.
A9A="$top_srcdir/data/a9a"
run "$DMLHOG" train --holdout 0.2 --early-stop 2 -e 40 --lr 0.5 --lr-schedule const "$A9A" es.model
stopped=$(value epochs)
is "$(value reason)" early_stop "a9a, constant rate 0.5: stops early (after epoch $stopped)"
lines=$(grep -c '^ *[0-9][0-9]* ' "$T/err")
is "$lines" "$stopped" "one progress line per epoch up to the stop, none after"
"$DMLHOG" train -q --summary none --holdout 0.2 -e "${stopped:-0}" --lr 0.5 --lr-schedule const \
	"$A9A" e.model
is "$(grep -a '^checksum' es.model)" "$(grep -a '^checksum' e.model)" \
	"the early-stopped model is the model of a run of $stopped epochs, bit for bit"

run "$DMLHOG" train --holdout "$HEART" "$HEART" hf.model
exit_is 0 "train with a holdout FILE"
[ -n "$(value holdout_loss)" ]
ok $? "a holdout file gives holdout_loss"

run "$DMLHOG" train --time-limit 1e-9 "$HEART" tl.model
exit_is 75 "stopped by --time-limit"
is "$(value reason)" time_limit "reason = time_limit"
test -s tl.model
ok $? "the model trained so far is written"

run "$DMLHOG" train --print-config -e 1 "$HEART" pc.model
exit_is 0 "--print-config trains"
has "$T/err" "lr_schedule = " "--print-config prints the configuration on stderr"

run "$DMLHOG" train --log "$T/run.log" -e 3 "$HEART" l.model
exit_is 0 "train --log"
if have_python; then
	python3 - "$T/run.log" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert all(e["schema"] == 1 for e in ev), "schema"
kinds = [e["event"] for e in ev]
assert kinds[0] == "start" and kinds[-1] == "end", kinds
assert kinds.count("epoch") == 3, kinds
assert ev[-1]["status"] == "ok" and ev[-1]["reason"] == "epochs", ev[-1]
assert ev[0]["config"]["epochs"] == 3, ev[0]
PY
	ok $? "log: JSON Lines, schema 1, start, 3 epoch events, end"
else
	skip "python3 not installed: log checks"
fi

DMLHOG_LOG="$T/env.log" run "$DMLHOG" train -q -e 1 "$HEART" e.model
grep -q '"event": "end"' "$T/env.log" 2>/dev/null
ok $? "DMLHOG_LOG is the default --log"

run "$DMLHOG" train --dry-run "$HEART" dry.model
exit_is 0 "--dry-run"
test ! -e dry.model
ok $? "--dry-run writes no model"
is "$(value model)" dry.model "--dry-run prints the resolved model path"

run env DMLHOG_THREADS=3 OMP_NUM_THREADS=5 "$DMLHOG" train --dry-run "$HEART"
is "$(value threads)" 3 "DMLHOG_THREADS comes before OMP_NUM_THREADS"
run env DMLHOG_THREADS=3 "$DMLHOG" train --dry-run -T 2 "$HEART"
is "$(value threads)" 2 "-T comes before DMLHOG_THREADS"
run env -u DMLHOG_THREADS OMP_NUM_THREADS=4,2 SLURM_CPUS_PER_TASK=7 "$DMLHOG" train --dry-run "$HEART"
is "$(value threads)" 4 "OMP_NUM_THREADS (outer level) comes before SLURM_CPUS_PER_TASK"
run env -u DMLHOG_THREADS -u OMP_NUM_THREADS SLURM_CPUS_PER_TASK=7 "$DMLHOG" train --dry-run "$HEART"
is "$(value threads)" 7 "SLURM_CPUS_PER_TASK is read"

run "$DMLHOG" train --seed random -e 1 "$HEART" r.model
s=$(sed -n 's/^dmlhog: seed \([0-9]*\) (random)$/\1/p' "$T/err")
[ -n "$s" ] && [ "$s" = "$(value seed)" ]
ok $? "--seed random prints the seed it drew, and the summary records it"

run sh -c "cat '$HEART' | '$DMLHOG' train -q -e 2 -"
exit_is 0 "train from stdin"
test -s stdin.model
ok $? "stdin's model is stdin.model"

run "$DMLHOG" train "$CLIDATA/cli-multiclass.svm" mc.model
exit_is 0 "multiclass training"
is "$(value task)" multiclass "3 integer labels give multiclass"

run "$DMLHOG" train --test "$CLIDATA/cli-regression.svm" -e 30 "$CLIDATA/cli-regression.svm" reg.model
exit_is 0 "regression training"
is "$(value task)" regression "real-valued labels give regression"
[ -n "$(value test_rmse)" ]
ok $? "regression summary has test_rmse"

run "$DMLHOG" train --holdout 0.2 -e 5 "$CLIDATA/cli-ratings.txt" mf.model
exit_is 0 "matrix factorisation on triplets"
is "$(value task)" mf "triplets give mf"
[ -n "$(value train_rmse)" ] && [ -n "$(value holdout_rmse)" ]
ok $? "mf summary has train_rmse and holdout_rmse"
has "$T/err" "iter   wall_s    tr_rmse    va_rmse" "mf progress table uses LIBMF's columns"

done_testing
