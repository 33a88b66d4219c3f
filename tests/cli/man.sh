#!/bin/sh
# man.sh: every long option a command's --help lists is in its manual page,
# and every option the page defines (.It Fl ...) is in --help; every page
# under man/ is silent under mandoc -T lint and groff -ww.
. "${top_srcdir:-.}/tests/cli/lib.sh"

MAN="$top_srcdir/man"

# long options (without dashes) named anywhere in FILE
help_opts() { grep -o -- '--[a-z][a-z0-9-]*' "$1" | sed 's/^--//' | sort -u; }
# long options a page defines in its option lists
page_opts() { sed -n 's/^\.It //p' "$1" | grep -o 'Fl -[a-z][a-z0-9-]*' | sed 's/^Fl -//' | sort -u; }

# options of HELP missing from PAGE, and options PAGE defines missing from HELP
missing_in_page() {
	for o in $(help_opts "$1"); do
		grep -Eq "Fl -$o([^a-z0-9-]|\$)" "$2" || printf ' --%s' "$o"
	done
}
missing_in_help() {
	for o in $(page_opts "$2"); do
		grep -Eq -- "--$o([^a-z0-9-]|\$)" "$1" || printf ' --%s' "$o"
	done
}

check_page() {   # NAME PAGE HELP-ARGS...
	name=$1 page=$2
	shift 2
	"$DMLHOG" "$@" >"$T/help" 2>&1
	is "$(missing_in_page "$T/help" "$page")" "" "$name: every option in --help is in $(basename "$page")"
	is "$(missing_in_help "$T/help" "$page")" "" "$name: every option $(basename "$page") defines is in --help"
}

check_page dmlhog "$MAN/dmlhog.1" --help
for sub in train predict eval check convert info topo; do
	check_page "dmlhog $sub" "$MAN/dmlhog-$sub.1" "$sub" --help
done

# The comparison must be able to fail: drop --lr from a copy of the page.
"$DMLHOG" train --help >"$T/help"
sed 's/Fl -lr /Fl -no-such-flag /' "$MAN/dmlhog-train.1" >"$T/broken.1"
is "$(missing_in_page "$T/help" "$T/broken.1")" " --lr" "self-check: an option missing from a page is found"
is "$(missing_in_help "$T/help" "$T/broken.1")" " --no-such-flag" "self-check: an option missing from --help is found"

for page in "$MAN"/*.[1-9]; do
	name=$(basename "$page")
	if command -v mandoc >/dev/null 2>&1; then
		out=$(mandoc -T lint -W warning "$page" 2>&1)
		is "$out" "" "mandoc -T lint -W warning $name is silent"
	else
		skip "mandoc not installed ($name)"
	fi
	if command -v groff >/dev/null 2>&1; then
		out=$(groff -mandoc -ww -z "$page" 2>&1)
		is "$out" "" "groff -mandoc -ww -z $name is silent"
	else
		skip "groff not installed ($name)"
	fi
done

done_testing
