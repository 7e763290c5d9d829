# bash completion for forgebot                                     -*- shell-script -*-

_forgebot() {
    local cur prev words cword
    _init_completion || return

    local commands="orchestrate help"
    local global_opts="--help --version"

    # The command path typed so far (words that are not options).
    local -a path=()
    local i
    for ((i = 1; i < cword; i++)); do
        [[ ${words[i]} == -* ]] && continue
        path+=("${words[i]}")
    done

    case "${path[*]}" in
    "")
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        ;;
    orchestrate)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--help" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "status" -- "$cur"))
        fi
        ;;
    "orchestrate status")
        COMPREPLY=($(compgen -W "--json --help" -- "$cur"))
        ;;
    help)
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        ;;
    "help orchestrate")
        COMPREPLY=($(compgen -W "status" -- "$cur"))
        ;;
    esac
} &&
    complete -F _forgebot forgebot
