#!/bin/sh
# cache.sh: a cache from `dmlhog convert` trains the same model bits as the
# text it came from; a stale or corrupt cache is rebuilt, and says so.
. "${top_srcdir:-.}/tests/cli/lib.sh"

cp "$HEART" hs.svm
run "$DMLHOG" convert hs.svm hs.cache
exit_is 0 "convert DATA CACHE"
test -s hs.cache
ok $? "the cache file exists"
run "$DMLHOG" info hs.cache
exit_is 0 "info on a cache"
is "$(value rows)" 270 "info: the cache has 270 rows"
is "$(value type)" cache "info: says it is a cache"

"$DMLHOG" train -q --summary none hs.svm -f text.model
run "$DMLHOG" train -q --summary none --cache hs.cache hs.svm -f cached.model
exit_is 0 "train --cache"
cmp -s text.model cached.model
ok $? "--cache gives the same model bits as the text"
run "$DMLHOG" train --summary none hs.svm --cache hs.cache -f again.model
has "$T/err" "read from cache" "a valid cache is used, and that is said"
run "$DMLHOG" train -q --summary none hs.cache -f direct.model
exit_is 0 "train with the cache as DATA"
cmp -s text.model direct.model
ok $? "the cache as DATA gives the same model bits"

# Stale: the source changed after the cache was written.
head -n 1 "$HEART" >>hs.svm
run "$DMLHOG" train --summary none --cache hs.cache hs.svm -f stale.model
exit_is 0 "train with a stale cache"
has "$T/err" "stale" "a stale cache is reported"
has "$T/err" "rebuilding" "a stale cache is rebuilt"
"$DMLHOG" train -q --summary none hs.svm -f text2.model
cmp -s text2.model stale.model
ok $? "the rebuilt cache trains the same model as the new text"
run "$DMLHOG" train --summary none --cache hs.cache hs.svm -f next.model
has "$T/err" "read from cache" "the rebuilt cache is used next time"

# Corrupt: bytes overwritten in the middle of the file.
size=$(wc -c <hs.cache)
printf 'XXXXXXXXXXXXXXXX' | dd of=hs.cache bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
run "$DMLHOG" train --summary none --cache hs.cache hs.svm -f corrupt.model
exit_is 0 "train with a corrupt cache"
has "$T/err" "rebuilding" "a corrupt cache is rebuilt, with a notice"
cmp -s text2.model corrupt.model
ok $? "the model after a rebuild matches the text"

run "$DMLHOG" train --summary none --rebuild-cache --cache hs.cache hs.svm -f r.model
has "$T/err" "rebuilding as asked" "--rebuild-cache rebuilds a valid cache"

run "$DMLHOG" train -q --summary none --cache auto hs.svm -f auto.model
exit_is 0 "--cache auto"
test -s hs.svm.cache
ok $? "--cache auto writes DATA.cache"

run "$DMLHOG" info text.model
exit_is 0 "info on a model"
has "$T/out" "task binary" "info shows the model header"

done_testing
