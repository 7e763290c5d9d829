# fish completion for forgebot

set -l commands start resume list show logs freeze destroy orchestrate provenance sidecar call mcp help
set -l orchestrate_commands start resume status serve

# The bottles' identities, from `forgebot list -q`.
function __forgebot_identities
    forgebot list -q 2>/dev/null
end

function __forgebot_config_dir
    if set -q XDG_CONFIG_HOME; and test -n "$XDG_CONFIG_HOME"
        echo $XDG_CONFIG_HOME/forgebot
    else
        echo $HOME/.config/forgebot
    end
end

# The stems of DIR/*.toml.
function __forgebot_toml_stems
    for file in $argv[1]/*.toml
        test -f $file; and basename $file .toml
    end
end

# The agents: the built-ins and the user's manifests.
function __forgebot_agents
    begin
        printf '%s\n' claude codex
        __forgebot_toml_stems (__forgebot_config_dir)/agents
    end | sort -u
end

# The bottle profiles: the built-in default and the user's profiles.
function __forgebot_bottles
    begin
        echo default
        __forgebot_toml_stems (__forgebot_config_dir)/bottles
    end | sort -u
end

# The forge names of config.toml's [[forges]] tables (the only tables with a `name` key).
function __forgebot_forges
    set -l config (__forgebot_config_dir)/config.toml
    test -r $config; or return
    string replace -rf '^\s*name\s*=\s*["\']([^"\']*)["\'].*' '$1' <$config
end

# Whether the command line has the subcommand but no positional argument after it yet.
function __forgebot_needs_arg
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l seen 0
    set -l skip 0
    for token in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $token
            case --prompt --repo --base --bottle --backend --label --timeout --forge --owner --issue --pr
                set skip 1
            case '-*'
            case '*'
                set seen (math $seen + 1)
        end
    end
    test $seen -eq 1
end

complete -c forgebot -f
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -s h -l help -d 'Show help'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -l version -d 'Print the version'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a start -d 'Make a bottle and run an agent in it'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a resume -d 'Run a stopped bottle again, continuing its session'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a list -d 'List bottles, newest first'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a show -d "Show one bottle's record"
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a logs -d "Print a bottle's transcript"
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a freeze -d "Stop a bottle's agent, keep its state"
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a destroy -d 'Stop a bottle and remove its workspace for good'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a orchestrate -d 'Drive agents from forge issues and pull requests'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a provenance -d "Show a run's record and its sidecar operations"
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a sidecar -d "Serve one run's scoped forge API on a Unix socket"
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a call -d "Call a method of the run's sidecar"
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a mcp -d "Serve the run's sidecar as an MCP server on stdio"
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a help -d 'Show the help of forgebot or of a command'

complete -c forgebot -n "__fish_seen_subcommand_from start; and not __fish_seen_subcommand_from orchestrate; and __forgebot_needs_arg" -a "(__forgebot_agents)" -d Agent
complete -c forgebot -n "__fish_seen_subcommand_from start; and not __fish_seen_subcommand_from orchestrate" -l headless -d 'Run without a terminal or questions'
complete -c forgebot -n "__fish_seen_subcommand_from start; and not __fish_seen_subcommand_from orchestrate" -l prompt -x -d 'What the agent should do'
complete -c forgebot -n "__fish_seen_subcommand_from start; and not __fish_seen_subcommand_from orchestrate" -l repo -x -a "(__fish_complete_directories)" -d 'The git repository to work in'
complete -c forgebot -n "__fish_seen_subcommand_from start; and not __fish_seen_subcommand_from orchestrate" -l base -x -d "Where the agent's branch starts"
complete -c forgebot -n "__fish_seen_subcommand_from start; and not __fish_seen_subcommand_from orchestrate" -l copy -d 'Work on a copy of a directory that is not a git repository'
complete -c forgebot -n "__fish_seen_subcommand_from start; and not __fish_seen_subcommand_from orchestrate" -l bottle -x -a "(__forgebot_bottles)" -d 'A bottle profile'
complete -c forgebot -n "__fish_seen_subcommand_from start; and not __fish_seen_subcommand_from orchestrate" -l label -x -d 'A label recorded with the bottle'
complete -c forgebot -n "__fish_seen_subcommand_from start; and not __fish_seen_subcommand_from orchestrate" -l forge -x -a "(__forgebot_forges)" -d 'A forge from config.toml'
complete -c forgebot -n "__fish_seen_subcommand_from start; and not __fish_seen_subcommand_from orchestrate" -l owner -x -d "The forge repository's owner"
complete -c forgebot -n "__fish_seen_subcommand_from start; and not __fish_seen_subcommand_from orchestrate" -l issue -x -d 'The issue to work on'
complete -c forgebot -n "__fish_seen_subcommand_from start; and not __fish_seen_subcommand_from orchestrate" -l pr -x -d 'A PR of the issue the agent may write to'

complete -c forgebot -n "__fish_seen_subcommand_from resume show logs freeze destroy; and not __fish_seen_subcommand_from orchestrate; and __forgebot_needs_arg" -a "(__forgebot_identities)" -d Bottle
complete -c forgebot -n "__fish_seen_subcommand_from resume; and not __fish_seen_subcommand_from orchestrate" -l headless -d 'Run without a terminal or questions'
complete -c forgebot -n "__fish_seen_subcommand_from resume; and not __fish_seen_subcommand_from orchestrate" -l prompt -x -d 'The next instruction (with --headless)'
complete -c forgebot -n "__fish_seen_subcommand_from start resume; and not __fish_seen_subcommand_from orchestrate" -l backend -x -a 'process bwrap' -d 'How the agent is run'
complete -c forgebot -n "__fish_seen_subcommand_from start resume; and not __fish_seen_subcommand_from orchestrate" -l timeout -x -d 'Stop the agent after this long, e.g. 30m'
complete -c forgebot -n "__fish_seen_subcommand_from start resume; and not __fish_seen_subcommand_from orchestrate" -l dry-run -d 'Print the plan and create nothing'
complete -c forgebot -n "__fish_seen_subcommand_from start resume; and not __fish_seen_subcommand_from orchestrate" -l json -d 'Raw events on stderr, the record as JSON on stdout'

complete -c forgebot -n "__fish_seen_subcommand_from list" -s q -l quiet -d 'Print identities only'
complete -c forgebot -n "__fish_seen_subcommand_from list" -l json -d 'Print a JSON array of records'
complete -c forgebot -n "__fish_seen_subcommand_from show" -l json -d 'Print the record as a JSON object'
complete -c forgebot -n "__fish_seen_subcommand_from logs" -s f -l follow -d 'Keep printing while the agent runs'
complete -c forgebot -n "__fish_seen_subcommand_from logs" -l raw -d 'Print the transcript as recorded'

set -l orchestrate_new "__fish_seen_subcommand_from orchestrate; and not __fish_seen_subcommand_from $orchestrate_commands"
complete -c forgebot -n $orchestrate_new -a start -d 'Start a headless bottle on a forge issue and track it'
complete -c forgebot -n $orchestrate_new -a resume -d 'Resume a tracked run headless with a new prompt'
complete -c forgebot -n $orchestrate_new -a status -d 'List every tracked issue and the state of its run'
complete -c forgebot -n $orchestrate_new -a serve -d 'Run the forge-driven loop in the foreground'
set -l orchestrate_start "__fish_seen_subcommand_from orchestrate; and __fish_seen_subcommand_from start"
complete -c forgebot -n $orchestrate_start -l agent -x -a "(__forgebot_agents)" -d 'The agent'
complete -c forgebot -n $orchestrate_start -l bottle -x -a "(__forgebot_bottles)" -d 'A bottle profile'
complete -c forgebot -n $orchestrate_start -l prompt -x -d 'What the agent should do'
complete -c forgebot -n $orchestrate_start -l label -x -d 'A label recorded with the bottle'
complete -c forgebot -n $orchestrate_start -l forge -x -a "(__forgebot_forges)" -d 'A forge from config.toml'
complete -c forgebot -n $orchestrate_start -l owner -x -d 'Repository owner'
complete -c forgebot -n $orchestrate_start -l repo -x -d 'Repository name'
complete -c forgebot -n $orchestrate_start -l issue -x -d 'The issue number'
complete -c forgebot -n $orchestrate_start -l pr -x -d 'A PR the agent may write to'
set -l orchestrate_resume "__fish_seen_subcommand_from orchestrate; and __fish_seen_subcommand_from resume"
complete -c forgebot -n $orchestrate_resume -l slug -x -a "(__forgebot_identities)" -d "The run's bottle identity"
complete -c forgebot -n $orchestrate_resume -l prompt -x -d 'The next instruction'
complete -c forgebot -n "__fish_seen_subcommand_from orchestrate; and __fish_seen_subcommand_from start resume" -l backend -x -a 'process bwrap' -d 'How the agent is run'
complete -c forgebot -n "__fish_seen_subcommand_from orchestrate; and __fish_seen_subcommand_from status" -l json -d 'Print a JSON array instead of a table'
set -l orchestrate_serve "__fish_seen_subcommand_from orchestrate; and __fish_seen_subcommand_from serve"
complete -c forgebot -n $orchestrate_serve -l config -r -F -d 'The configuration file'
complete -c forgebot -n $orchestrate_serve -l listen -x -d 'ADDR:PORT for webhooks and the API'
complete -c forgebot -n $orchestrate_serve -l log-level -x -a 'error warn info debug' -d 'Log level'
complete -c forgebot -n $orchestrate_serve -l poll -x -d 'Also poll the allowlisted repositories every INTERVAL'

complete -c forgebot -n "__fish_seen_subcommand_from provenance; and __forgebot_needs_arg" -a "(__forgebot_identities)" -d Run
complete -c forgebot -n "__fish_seen_subcommand_from provenance" -l json -d 'Print the record as a JSON object'

complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l socket -r -F -d 'Unix socket to serve on'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l queue-dir -r -F -d 'Queue directory for signal_done events'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l identity -x -d 'The run identity'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l forge -x -a 'gitea forgejo github' -d 'Forge kind'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l api-url -x -d 'Forge API base URL'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l owner -x -d 'Repository owner'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l repo -x -d 'Repository name'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l issue -x -d 'Assigned issue number'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l pr -x -d 'A PR the run may write to'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l workspace -r -F -d 'The run workspace'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l branch -x -d 'The run branch'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l token-fd -x -d 'Read the token from this descriptor'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l token-file -r -F -d 'Read the token from a mode-0600 file'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l audit-log -r -F -d 'JSON-lines audit log'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l log-level -x -a 'error warn info debug' -d 'Log level'

set -l methods read_issue read_pr read_comments post_comment update_description push_branch open_pr signal_done ping
complete -c forgebot -n "__fish_seen_subcommand_from call; and not __fish_seen_subcommand_from $methods" -a "$methods" -d 'Sidecar method'
complete -c forgebot -n "__fish_seen_subcommand_from call" -l json-params -x -d 'Params as one JSON object'
complete -c forgebot -n "__fish_seen_subcommand_from call" -l socket -r -F -d 'The sidecar socket'
complete -c forgebot -n "__fish_seen_subcommand_from call" -l timeout -x -d 'Seconds to wait'

complete -c forgebot -n "__fish_seen_subcommand_from mcp" -l socket -r -F -d 'The sidecar socket'
complete -c forgebot -n "__fish_seen_subcommand_from mcp" -l timeout -x -d 'Seconds to wait for the sidecar'
complete -c forgebot -n "__fish_seen_subcommand_from mcp" -l log-level -x -a 'error warn info debug' -d 'Log level'

complete -c forgebot -n "__fish_seen_subcommand_from help" -a "$commands"
