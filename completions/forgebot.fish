# fish completion for forgebot

set -l commands orchestrate help

complete -c forgebot -f
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -s h -l help -d 'Show help'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -l version -d 'Print the version'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a orchestrate -d 'Drive agents from forge issues and pull requests'
complete -c forgebot -n "not __fish_seen_subcommand_from $commands" -a help -d 'Show the help of forgebot or of a command'

complete -c forgebot -n "__fish_seen_subcommand_from orchestrate; and not __fish_seen_subcommand_from status" -a status -d 'List every tracked issue and the state of its run'
complete -c forgebot -n "__fish_seen_subcommand_from orchestrate; and __fish_seen_subcommand_from status" -l json -d 'Print a JSON array instead of a table'
complete -c forgebot -n "__fish_seen_subcommand_from help" -a "$commands"
