# bash completion for forgebot                                     -*- shell-script -*-

_forgebot() {
    local cur prev words cword
    _init_completion || return

    local commands="orchestrate sidecar call help"
    local sidecar_opts="--socket --queue-dir --identity --forge --api-url --owner --repo --issue
        --pr --workspace --branch --token-fd --token-file --audit-log --log-level --help"
    local call_methods="read_issue read_pr read_comments post_comment update_description
        push_branch open_pr signal_done ping"

    # The command path typed so far (words that are not options or option values).
    local -a path=()
    local i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        -*) continue ;;
        esac
        case ${words[i - 1]} in
        --socket | --queue-dir | --identity | --forge | --api-url | --owner | --repo | --issue | \
            --pr | --workspace | --branch | --token-fd | --token-file | --audit-log | \
            --log-level | --json-params | --timeout) continue ;;
        esac
        path+=("${words[i]}")
    done

    case $prev in
    --socket | --queue-dir | --workspace | --token-file | --audit-log)
        _filedir
        return
        ;;
    --forge)
        COMPREPLY=($(compgen -W "gitea forgejo github" -- "$cur"))
        return
        ;;
    --log-level)
        COMPREPLY=($(compgen -W "error warn info debug" -- "$cur"))
        return
        ;;
    --identity | --api-url | --owner | --repo | --issue | --pr | --branch | --token-fd | \
        --json-params | --timeout)
        return
        ;;
    esac

    case "${path[0]}" in
    "")
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        ;;
    orchestrate)
        if ((${#path[@]} == 1)); then
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--help" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "status" -- "$cur"))
            fi
        elif [[ ${path[1]} == status ]]; then
            COMPREPLY=($(compgen -W "--json --help" -- "$cur"))
        fi
        ;;
    sidecar)
        COMPREPLY=($(compgen -W "$sidecar_opts" -- "$cur"))
        ;;
    call)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--json-params --socket --timeout --help" -- "$cur"))
        elif ((${#path[@]} == 1)); then
            COMPREPLY=($(compgen -W "$call_methods" -- "$cur"))
        else
            compopt -o nospace
            COMPREPLY=($(compgen -W "number= body= title= base= status= summary=" -- "$cur"))
        fi
        ;;
    help)
        if ((${#path[@]} == 1)); then
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        elif [[ ${path[1]} == orchestrate ]]; then
            COMPREPLY=($(compgen -W "status" -- "$cur"))
        fi
        ;;
    esac
} &&
    complete -F _forgebot forgebot
