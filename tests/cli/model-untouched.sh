#!/bin/sh
# model-untouched.sh: a run that fails (bad data, bad flag, divergence,
# unwritable log, killed) leaves an existing model file byte-identical and
# no temporary file beside it.
. "${top_srcdir:-.}/tests/cli/lib.sh"

"$DMLHOG" train -q --summary none "$HEART" m.model || echo "Bail out! cannot train the reference model"
cp m.model ref.model

untouched() {
	cmp -s m.model ref.model
	ok $? "$1: the model is byte-identical"
	ls m.model.tmp.* >/dev/null 2>&1
	ok $((!$?)) "$1: no temporary file left"
}

run "$DMLHOG" train "$CLIDATA/cli-bad.svm" -f m.model
exit_is 65 "bad data"
untouched "bad data"

run "$DMLHOG" train --lr=x "$HEART" -f m.model
exit_is 64 "bad flag"
untouched "bad flag"

run "$DMLHOG" train --task regression --lr 1e30 --lr-schedule const "$CLIDATA/cli-regression.svm" -f m.model
exit_is 3 "diverged run"
is "$(value status)" diverged "the summary says status = diverged"
has "$T/err" "diverged" "the reason is printed"
untouched "diverged run"

run "$DMLHOG" train --log "$T/no-such-dir/x.log" "$HEART" -f m.model
exit_is 73 "unwritable log"
untouched "unwritable log"

# Killed while reading: the data come through a FIFO that stays open.
if mkfifo fifo 2>/dev/null; then
	"$DMLHOG" train -q fifo -f m.model 2>/dev/null &
	pid=$!
	exec 3>fifo
	cat "$HEART" >&3
	sleep 1
	kill "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	exec 3>&-
	ok $((rc < 128 ? 1 : 0)) "killed run ends by the signal (exit $rc)"
	untouched "killed run"
else
	skip "mkfifo failed"
fi

run "$DMLHOG" train -q "$HEART" -f m.model -e 3
exit_is 0 "a good run"
cmp -s m.model ref.model
ok $((!$?)) "a good run does replace the model"

done_testing
