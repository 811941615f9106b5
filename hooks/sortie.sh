# shellcheck shell=sh
# shellcheck disable=SC2154 # sortie_hook, sortie_gd and sortie_cd are set by the block that sources this file
# sortie's git hook runner. The sortie block in .husky/<hook> sources it (no extra shell process)
# after setting sortie_hook, sortie_gd (this worktree's git dir), sortie_cd (the git common dir)
# and sortie_runner (this file), and after sourcing this machine's settings, written by
# `sortie init` to <common dir>/sortie/hooks.env, when there are any. Being sourced, it ends with
# `return`, never `exit`, and names its variables sortie_*.
#
# A commit that names no task never starts Node: the message, the branch and the staged task files
# are checked here with the id pattern from the settings, and post-commit only queues the commit for
# the next sortie process (src/missions/commits.ts).
#
# Without settings (a clone where `sortie init` has not run on this machine) the defaults are safe
# rather than fast: node from PATH, this package's hook entry, and no shortcut that needs the config:
# commit-msg starts Node for any message line holding a digit (a task id holds its number), and
# pre-commit always starts it.

# The settings (see src/install/git.ts, hooksEnv): all optional.
: "${sortie_node:=node}"
: "${sortie_entry:=${sortie_runner%/*}/../dist/hook.cjs}"
: "${sortie_re:=[0-9]}"
: "${sortie_tasks:=}"
: "${sortie_prefilter:=0}"

sortie_main() {
  [ "${SORTIE_SKIP-}" = "1" ] && return 0
  # Settings written for an install that is gone since: this runner's own entry.
  [ -f "$sortie_entry" ] || sortie_entry=${sortie_runner%/*}/../dist/hook.cjs
  if [ ! -f "$sortie_entry" ]; then echo "sortie: $sortie_entry is gone; run: npx sortie doctor" >&2; return 0; fi
  [ -x "$sortie_node" ] || sortie_node=node
  case "$sortie_hook" in
    pre-commit)
      [ -n "$sortie_tasks" ] || { sortie_run "$@"; return $?; }
      sortie_head=; read -r sortie_head < "$sortie_gd/HEAD" || :
      sortie_branch=${sortie_head#ref: refs/heads/}
      case "$sortie_branch" in
        ''|main|master|develop|dev|trunk|release) ;;
        *) if printf '%s\n' "$sortie_branch" | awk -v re="$sortie_re" '$0 ~ re {f=1} END {exit !f}'; then sortie_run "$@"; return $?; fi ;;
      esac
      git diff --cached --quiet --diff-filter=MR -- "$sortie_tasks" 2>/dev/null && return 0
      sortie_run "$@"; return $? ;;
    commit-msg)
      # Clear what an aborted earlier commit may have left for post-commit.
      [ -s "$sortie_gd/sortie-commit" ] && : > "$sortie_gd/sortie-commit"
      # Every line counts here, comment lines and a cut line's tail included: what git keeps of
      # them depends on its cleanup mode, comment character and -v, which Node works out
      # (src/guard/commit-message.ts). The shell only settles messages that name nothing at all.
      if [ "$sortie_prefilter" = 1 ]; then
        # The shipped id patterns always hold "-<digit>": a message without one is settled here,
        # with no process at all. After 200 lines (a -v diff) awk reads the rest faster.
        sortie_hit=''; sortie_n=0
        while IFS= read -r sortie_line || [ -n "$sortie_line" ]; do
          case "$sortie_line" in *-[0-9]*) sortie_hit=1; break ;; esac
          sortie_n=$((sortie_n + 1)); [ "$sortie_n" -lt 200 ] || { sortie_hit=1; break; }
        done < "$1"
        [ -n "$sortie_hit" ] || return 0
      fi
      awk -v re="$sortie_re" '$0 ~ re {f=1; exit} END{exit !f}' "$1" || return 0
      sortie_run "$@"; return $? ;;
    post-commit)
      sortie_m=
      if [ -s "$sortie_gd/sortie-commit" ]; then read -r sortie_m < "$sortie_gd/sortie-commit" || :; : > "$sortie_gd/sortie-commit"; fi
      # The first of the agents' session variables that is set (generated from src/agents by the build).
      sortie_sid=${SORTIE_SESSION:-${CLAUDE_CODE_SESSION_ID:-${CODEX_THREAD_ID:-${COPILOT_AGENT_SESSION_ID:-}}}} # sortie:session-vars
      [ -n "${SORTIE_MISSION-}$sortie_sid$sortie_m" ] || return 0
      sortie_head=; read -r sortie_head < "$sortie_gd/HEAD" || :
      sortie_sha=
      case "$sortie_head" in
        "ref: "*) sortie_ref=${sortie_head#ref: }
          if [ -f "$sortie_gd/$sortie_ref" ]; then read -r sortie_sha < "$sortie_gd/$sortie_ref" || :
          elif [ -f "$sortie_cd/$sortie_ref" ]; then read -r sortie_sha < "$sortie_cd/$sortie_ref" || :; fi ;;
        *) sortie_sha=$sortie_head ;;
      esac
      [ -n "$sortie_sha" ] || sortie_sha=$(git rev-parse HEAD)
      sortie_dir="$sortie_cd/sortie"; [ -n "${SORTIE_DB-}" ] && sortie_dir=${SORTIE_DB%/*}
      [ -d "$sortie_dir" ] || return 0
      case "$sortie_head" in "ref: refs/heads/"*) sortie_branch=${sortie_head#ref: refs/heads/} ;; *) sortie_branch= ;; esac
      # One queue entry per commit, one line ending in a newline (complete): see src/store/queue.ts.
      # In a subshell with its own umask: never writable by others, whatever the caller's umask.
      (
        umask 022
        [ -d "$sortie_dir/pending" ] || mkdir -p "$sortie_dir/pending" || exit 0
        printf '%s\t%s\t%s\t%s\t%s\n' "$sortie_sha" "${SORTIE_MISSION-}" "$sortie_sid" "$sortie_m" "$sortie_branch" > "$sortie_dir/pending/commit-$sortie_sha"
      )
      return 0 ;;
    post-checkout)
      [ "${3-}" = "1" ] || return 0
      sortie_run "$@"; return $? ;;
  esac
  return 0
}
sortie_run() { "$sortie_node" "$sortie_entry" git "$sortie_hook" "$@"; }
sortie_main "$@"
