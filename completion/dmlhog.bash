# bash completion for dmlhog                                  -*- shell-script -*-
# Install as /usr/share/bash-completion/completions/dmlhog, or source it.
# Option names come from `dmlhog COMMAND --help`, so they follow the binary.

_dmlhog_words() {
	# the long and short options a command's --help lists
	"${COMP_WORDS[0]}" "$1" --help 2>/dev/null |
		grep -oE -- '(^| )(-[a-zA-Z]|--[a-z][a-z0-9-]*)' | tr -d ' ' | sort -u
}

_dmlhog() {
	local cur prev sub i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmds="train predict eval check convert info topo version help"

	sub=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) sub=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ -z $sub ]]; then
		COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
		return
	fi

	case $prev in
	--format) COMPREPLY=($(compgen -W "auto svmlight triplet" -- "$cur")); return ;;
	--index-base) COMPREPLY=($(compgen -W "auto 0 1" -- "$cur")); return ;;
	--task) COMPREPLY=($(compgen -W "auto binary multiclass regression mf" -- "$cur")); return ;;
	--loss | --loss-function) COMPREPLY=($(compgen -W "logistic hinge sqhinge squared" -- "$cur")); return ;;
	--lr-schedule) COMPREPLY=($(compgen -W "const invsqrt adagrad optimal decay decay:0.9" -- "$cur")); return ;;
	--engine | --algo) COMPREPLY=($(compgen -W "serial hogwild locked cyclades" -- "$cur")); return ;;
	--hot-params) COMPREPLY=($(compgen -W "auto off" -- "$cur")); return ;;
	--bind) COMPREPLY=($(compgen -W "auto inherit compact spread numa none" -- "$cur")); return ;;
	--replicas) COMPREPLY=($(compgen -W "machine node thread" -- "$cur")); return ;;
	--progress) COMPREPLY=($(compgen -W "auto lines none" -- "$cur")); return ;;
	--summary) COMPREPLY=($(compgen -W "text json none" -- "$cur")); return ;;
	--model-to) COMPREPLY=($(compgen -W "text liblinear" -- "$cur")); return ;;
	-T | --threads) COMPREPLY=($(compgen -W "auto $(nproc 2>/dev/null)" -- "$cur")); return ;;
	--seed) COMPREPLY=($(compgen -W "0 random" -- "$cur")); return ;;
	--cache) COMPREPLY=($(compgen -W "auto off" -- "$cur") $(compgen -f -- "$cur")); return ;;
	--lr | --l1 | --l2 | -e | --epochs | --passes | -k | --rank | --features | \
	--early-stop | --min-delta | --time-limit | --holdout | --batch-size | --sync-every)
		return ;;
	esac

	if [[ $sub == help ]]; then
		COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
	elif [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_dmlhog_words "$sub")" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

complete -o filenames -F _dmlhog dmlhog
