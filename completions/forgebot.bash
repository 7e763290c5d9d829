# bash completion for forgebot                                     -*- shell-script -*-

# The bottles' identities, from `forgebot list -q`.
_forgebot_identities() {
    forgebot list -q 2>/dev/null
}

# The stems of DIR/*.toml, one a line.
_forgebot_toml_stems() {
    local file
    for file in "$1"/*.toml; do
        [[ -f $file ]] || continue
        file=${file##*/}
        printf '%s\n' "${file%.toml}"
    done
}

_forgebot_config_dir() {
    printf '%s\n' "${XDG_CONFIG_HOME:-$HOME/.config}/forgebot"
}

# The agents: the built-ins and the user's manifests.
_forgebot_agents() {
    {
        printf '%s\n' claude codex
        _forgebot_toml_stems "$(_forgebot_config_dir)/agents"
    } | sort -u
}

# The bottle profiles: the built-in default and the user's profiles.
_forgebot_bottles() {
    {
        printf '%s\n' default
        _forgebot_toml_stems "$(_forgebot_config_dir)/bottles"
    } | sort -u
}

# The forge names of config.toml's [[forges]] tables (the only tables with a `name` key).
_forgebot_forges() {
    local config
    config="$(_forgebot_config_dir)/config.toml"
    [[ -r $config ]] || return
    sed -n 's/^[[:space:]]*name[[:space:]]*=[[:space:]]*["'\'']\([^"'\'']*\)["'\''].*/\1/p' "$config"
}

_forgebot() {
    local cur prev words cword
    _init_completion || return

    local commands="start resume list show logs freeze destroy orchestrate provenance sidecar call mcp
        help"
    local start_opts="--headless --prompt --repo --base --copy --bottle --backend --label
        --timeout --dry-run --json --forge --owner --issue --pr --help"
    local resume_opts="--headless --prompt --backend --timeout --dry-run --json --help"
    local orchestrate_commands="start resume status serve"
    local orchestrate_start_opts="--agent --bottle --prompt --label --backend --forge --owner
        --repo --issue --pr --help"
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
            --log-level | --json-params | --timeout | --prompt | --base | --bottle | --backend | \
            --label | --agent | --slug | --config | --listen | --poll) continue ;;
        esac
        path+=("${words[i]}")
    done

    # Option values.
    case ${path[0]} in
    start | resume)
        case $prev in
        --repo)
            _filedir -d
            return
            ;;
        --bottle)
            COMPREPLY=($(compgen -W "$(_forgebot_bottles)" -- "$cur"))
            return
            ;;
        --backend)
            COMPREPLY=($(compgen -W "process bwrap" -- "$cur"))
            return
            ;;
        --forge)
            COMPREPLY=($(compgen -W "$(_forgebot_forges)" -- "$cur"))
            return
            ;;
        --prompt | --base | --label | --timeout | --owner | --issue | --pr)
            return
            ;;
        esac
        ;;
    orchestrate)
        case $prev in
        --agent)
            COMPREPLY=($(compgen -W "$(_forgebot_agents)" -- "$cur"))
            return
            ;;
        --bottle)
            COMPREPLY=($(compgen -W "$(_forgebot_bottles)" -- "$cur"))
            return
            ;;
        --backend)
            COMPREPLY=($(compgen -W "process bwrap" -- "$cur"))
            return
            ;;
        --forge)
            COMPREPLY=($(compgen -W "$(_forgebot_forges)" -- "$cur"))
            return
            ;;
        --slug)
            COMPREPLY=($(compgen -W "$(_forgebot_identities)" -- "$cur"))
            return
            ;;
        --config)
            _filedir toml
            return
            ;;
        --log-level)
            COMPREPLY=($(compgen -W "error warn info debug" -- "$cur"))
            return
            ;;
        --prompt | --label | --owner | --repo | --issue | --pr | --listen | --poll)
            return
            ;;
        esac
        ;;
    sidecar | call | mcp)
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
    start)
        if [[ $cur != -* ]] && ((${#path[@]} == 1)); then
            COMPREPLY=($(compgen -W "$(_forgebot_agents)" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$start_opts" -- "$cur"))
        fi
        ;;
    resume | show | logs | freeze | destroy)
        if [[ $cur != -* ]] && ((${#path[@]} == 1)); then
            COMPREPLY=($(compgen -W "$(_forgebot_identities)" -- "$cur"))
        else
            case ${path[0]} in
            resume) COMPREPLY=($(compgen -W "$resume_opts" -- "$cur")) ;;
            show) COMPREPLY=($(compgen -W "--json --help" -- "$cur")) ;;
            logs) COMPREPLY=($(compgen -W "-f --follow --raw --help" -- "$cur")) ;;
            *) COMPREPLY=($(compgen -W "--help" -- "$cur")) ;;
            esac
        fi
        ;;
    list)
        COMPREPLY=($(compgen -W "-q --quiet --json --help" -- "$cur"))
        ;;
    orchestrate)
        if ((${#path[@]} == 1)); then
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--help" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "$orchestrate_commands" -- "$cur"))
            fi
        else
            case ${path[1]} in
            start) COMPREPLY=($(compgen -W "$orchestrate_start_opts" -- "$cur")) ;;
            resume) COMPREPLY=($(compgen -W "--slug --prompt --backend --help" -- "$cur")) ;;
            status) COMPREPLY=($(compgen -W "--json --help" -- "$cur")) ;;
            serve) COMPREPLY=($(compgen -W "--config --listen --log-level --poll --help" -- "$cur")) ;;
            esac
        fi
        ;;
    provenance)
        if [[ $cur != -* ]] && ((${#path[@]} == 1)); then
            COMPREPLY=($(compgen -W "$(_forgebot_identities)" -- "$cur"))
        else
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
    mcp)
        COMPREPLY=($(compgen -W "--socket --timeout --log-level --help" -- "$cur"))
        ;;
    help)
        if ((${#path[@]} == 1)); then
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        elif [[ ${path[1]} == orchestrate ]]; then
            COMPREPLY=($(compgen -W "$orchestrate_commands" -- "$cur"))
        fi
        ;;
    esac
} &&
    complete -F _forgebot forgebot
