# fish completion for forgebot

set -l commands orchestrate sidecar call help

complete -c forgebot -f
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -s h -l help -d 'Show help'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -l version -d 'Print the version'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a orchestrate -d 'Drive agents from forge issues and pull requests'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a sidecar -d "Serve one run's scoped forge API on a Unix socket"
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a call -d "Call a method of the run's sidecar"
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a help -d 'Show the help of forgebot or of a command'

complete -c forgebot -n "__fish_seen_subcommand_from orchestrate; and not __fish_seen_subcommand_from status" -a status -d 'List every tracked issue and the state of its run'
complete -c forgebot -n "__fish_seen_subcommand_from orchestrate; and __fish_seen_subcommand_from status" -l json -d 'Print a JSON array instead of a table'

complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l socket -r -F -d 'Unix socket to serve on'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l queue-dir -r -F -d 'Queue directory for signal_done events'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l identity -r -d 'The run identity'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l forge -r -a 'gitea forgejo github' -d 'Forge kind'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l api-url -r -d 'Forge API base URL'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l owner -r -d 'Repository owner'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l repo -r -d 'Repository name'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l issue -r -d 'Assigned issue number'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l pr -r -d 'A PR the run may write to'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l workspace -r -F -d 'The run workspace'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l branch -r -d 'The run branch'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l token-fd -r -d 'Read the token from this descriptor'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l token-file -r -F -d 'Read the token from a mode-0600 file'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l audit-log -r -F -d 'JSON-lines audit log'
complete -c forgebot -n "__fish_seen_subcommand_from sidecar" -l log-level -r -a 'error warn info debug' -d 'Log level'

set -l methods read_issue read_pr read_comments post_comment update_description push_branch open_pr signal_done ping
complete -c forgebot -n "__fish_seen_subcommand_from call; and not __fish_seen_subcommand_from $methods" -a "$methods" -d 'Sidecar method'
complete -c forgebot -n "__fish_seen_subcommand_from call" -l json-params -r -d 'Params as one JSON object'
complete -c forgebot -n "__fish_seen_subcommand_from call" -l socket -r -F -d 'The sidecar socket'
complete -c forgebot -n "__fish_seen_subcommand_from call" -l timeout -r -d 'Seconds to wait'

complete -c forgebot -n "__fish_seen_subcommand_from help" -a "$commands"
