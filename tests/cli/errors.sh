#!/bin/sh
# errors.sh: exit statuses and messages users and sweep scripts rely on:
# 64 usage (naming the flag), 65 data (file:line:col), 66 missing input,
# 73 cannot create (before training starts); help on stdout with 0.
. "${top_srcdir:-.}/tests/cli/lib.sh"

run "$DMLHOG"
exit_is 64 "plain dmlhog"
has "$T/err" "usage: dmlhog" "plain dmlhog prints usage on stderr"
test ! -s "$T/out"
ok $? "plain dmlhog prints nothing on stdout"

run "$DMLHOG" --help
exit_is 0 "dmlhog --help"
has "$T/out" "Commands:" "--help prints on stdout"
test ! -s "$T/err"
ok $? "--help prints nothing on stderr"

for sub in train predict eval check convert info version help; do
	run "$DMLHOG" "$sub" --help
	[ "$rc" = 0 ] && grep -q "^usage: dmlhog $sub" "$T/out" && test ! -s "$T/err"
	ok $? "dmlhog $sub --help: usage on stdout, exit 0"
done
run env MANPATH=/nonexistent "$DMLHOG" help train
[ "$rc" = 0 ] && [ -s "$T/out" ]
ok $? "dmlhog help train: exit 0 with the manual or --help"
run "$DMLHOG" version
exit_is 0 "dmlhog version"
has "$T/out" "hwloc" "version names the hwloc version"
run "$DMLHOG" frobnicate
exit_is 64 "unknown command"
has "$T/err" "unknown command 'frobnicate'" "unknown command is named"

run "$DMLHOG" train --frobnicate "$HEART"
exit_is 64 "unknown flag"
has "$T/err" "'--frobnicate'" "the unknown flag is named"
run "$DMLHOG" train --lr=1x "$HEART"
exit_is 64 "non-numeric --lr"
has "$T/err" "dmlhog: --lr=1x: not a number" "bad number message names the flag and value"
run "$DMLHOG" train -e 0 "$HEART"
exit_is 64 "--epochs 0"
has "$T/err" "--epochs=0: must be" "out-of-range value names the flag"
run "$DMLHOG" train "$HEART" --epochs
exit_is 64 "--epochs without a value"
has "$T/err" "'--epochs' needs a value" "missing value names the flag"
run "$DMLHOG" train --lr 1e999 "$HEART"
exit_is 64 "--lr out of double range"
run "$DMLHOG" train --holdout 1.5 "$HEART"
exit_is 64 "--holdout outside (0, 1)"
run "$DMLHOG" train --early-stop 3 "$HEART"
exit_is 64 "--early-stop without --holdout"
run "$DMLHOG" train --engine cyclone "$HEART"
exit_is 64 "an unknown engine"
has "$T/err" "--engine=cyclone: unknown engine (serial|hogwild|locked|cyclades)" "the engines are listed"
run env DMLHOG_THREADS=many "$DMLHOG" train "$HEART"
exit_is 64 "bad DMLHOG_THREADS"
has "$T/err" "DMLHOG_THREADS=many" "the bad variable is named"
run env DMLHOG_BIND=everywhere "$DMLHOG" train "$HEART"
exit_is 64 "bad DMLHOG_BIND"
has "$T/err" "DMLHOG_BIND=everywhere" "the bad binding variable is named"
run "$DMLHOG" train --task mf "$HEART"
exit_is 64 "--task mf on svmlight data"
run "$DMLHOG" train --lr-schedule fastest "$HEART"
exit_is 64 "an unknown --lr-schedule"
has "$T/err" "expected const|invsqrt|adagrad|optimal|decay[:G]" "the schedules are listed"
printf 'keep me\n' > "$T/keep.model"
run "$DMLHOG" train --lr-schedule optimal --l2 0 "$HEART" "$T/keep.model"
exit_is 64 "--lr-schedule optimal with --l2 0"
has "$T/err" "--lr-schedule optimal needs --l2 > 0" "optimal's need for an L2 penalty is named"
is "$(cat "$T/keep.model")" "keep me" "the existing model file is untouched"
run "$DMLHOG" train --lr-schedule optimal "$CLIDATA/cli-ratings.txt"
exit_is 64 "--lr-schedule optimal for matrix factorisation"
has "$T/err" "optimal is for linear models" "optimal names the models it is for"
run "$DMLHOG" predict --bogus a b
exit_is 64 "predict: unknown flag"
run "$DMLHOG" eval --summary yaml a b
exit_is 64 "eval: bad --summary"
run "$DMLHOG" check
exit_is 64 "check without DATA"

run "$DMLHOG" train "$T/no-such-file"
exit_is 66 "missing training file"
has "$T/err" "no-such-file" "the missing file is named"
run "$DMLHOG" train --test "$T/no-such-test" "$HEART"
exit_is 66 "missing --test file"
run "$DMLHOG" predict "$T/no-such.model" "$HEART"
exit_is 66 "predict: missing model"
run "$DMLHOG" info "$T/no-such.model"
exit_is 66 "info: missing file"
run "$DMLHOG" info "$HEART"
exit_is 65 "info: a file that is neither model nor cache"

run "$DMLHOG" train "$CLIDATA/cli-bad.svm"
exit_is 65 "malformed data"
has "$T/err" "cli-bad.svm:3:8: " "the error has file:line:col"
has "$T/err" "'x:0.5'" "the error quotes the token"
test ! -e cli-bad.svm.model
ok $? "no model written for malformed data"
run "$DMLHOG" train --skip-bad-lines "$CLIDATA/cli-bad.svm"
exit_is 0 "--skip-bad-lines trains on the good lines"
run "$DMLHOG" train --skip-bad-lines=1 "$CLIDATA/cli-bad.svm"
exit_is 65 "--skip-bad-lines=1 gives up at the second bad line"
run "$DMLHOG" check "$CLIDATA/cli-bad.svm"
exit_is 65 "check: bad lines"
has "$T/err" "cli-bad.svm:3:8:" "check reports the first bad line"
has "$T/err" "cli-bad.svm:5:" "check reports the second bad line too"
has "$T/err" "2 bad lines" "check counts the bad lines"
is "$(value bad_lines)" 2 "check: bad_lines = 2"
run "$DMLHOG" check "$HEART"
exit_is 0 "check: clean file"
is "$(value rows)" 270 "check: rows"
is "$(value labels)" "-1:150 1:120" "check: label counts"

# A FIFO nobody writes: reading it would hang, so exit 73 proves the model
# path is checked before any data is read.
if mkfifo fifo 2>/dev/null; then
	run "$DMLHOG" train fifo -f "$T/no-such-dir/m.model"
	exit_is 73 "unwritable model path, before reading the data"
	has "$T/err" "no-such-dir/m.model" "the model path is named"
	run "$DMLHOG" train --log "$T/no-such-dir/log" fifo -f ok.model
	exit_is 73 "log cannot be created"
else
	skip "mkfifo failed"
fi
run "$DMLHOG" train "$HEART" -f "$T/no-such-dir/m.model"
grep -q "epoch" "$T/err"
ok $((!$?)) "no training output before the model path error"
run "$DMLHOG" convert "$HEART" "$T/no-such-dir/c.cache"
exit_is 73 "convert: cache cannot be created"
run "$DMLHOG" predict no-model "$HEART" "$T/no-such-dir/out"
exit_is 73 "predict: OUT cannot be created"

done_testing
