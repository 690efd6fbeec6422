/**
 * Hostile git commands that the git policies must block after normalising them (issue 8): push
 * destinations spelled as refspecs (`HEAD:heads/main`, `'*:*'`, `:main`), `--all`/`--mirror`, push
 * configuration set by `-c`, `git config` or `GIT_CONFIG_*`, aliases, `send-pack`, force in any spelling,
 * and empty or unknown commit messages.
 */
import type { Json } from "../../../src/Model.ts"
import type { Case } from "./hostile.ts"

const git = (payload: Readonly<Record<string, Json>>, note: string): Case => ({ category: "git", payload, note })

export const GIT_NORMALISED: ReadonlyArray<Case> = [
  // Program name from a variable assigned earlier, split, or set conditionally
  git({ command: "X=HEAD:main git --config-env=remote.origin.push=X push origin" }, "program name from a variable assigned earlier, split, or set conditionally"),
  // Wrappers, runners and privilege tools around a destructive command
  git({ command: "sudo -u git git push origin HEAD:main" }, "wrappers, runners and privilege tools around a destructive command"),
  // Script handed to a shell: -c, stdin, heredoc, here-string, file written then run
  git({ command: "bash -c 'git push origin HEAD:main'" }, "script handed to a shell: -c, stdin, heredoc, here-string, file written then run"),
  git({ command: "echo git push origin HEAD:main | sh" }, "script handed to a shell: -c, stdin, heredoc, here-string, file written then run"),
  // Git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)
  git({ command: "git push origin HEAD:refs/heads/main" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin HEAD:heads/main" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin @:main" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin HEAD:MAIN" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin +HEAD:master" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin refs/heads/agent/x:refs/heads/main" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin main" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin --delete main" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push -d origin master" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push --all origin" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push --mirror origin" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push --branches origin" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin '*:*'" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin 'refs/heads/*:refs/heads/*'" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin :" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin +:" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push --prune origin 'refs/heads/*:refs/heads/*'" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git config remote.origin.push HEAD:main && git push origin" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git config push.default matching; git push" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git config --local remote.origin.mirror true; git push" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git -c alias.ship='push origin HEAD:main' ship" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git config alias.ship 'push origin HEAD:main' && git ship" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git config alias.ship '!git push origin HEAD:main' && git ship" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git -c alias.p=push p origin HEAD:main" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git send-pack ../repo.git main" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git send-pack --all ../repo.git" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git http-push https://x.example/r.git main" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git subtree push --prefix=dist origin main" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git checkout main && git push" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git switch master; git push origin HEAD" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin \"HEAD:$(echo main)\"" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin HEAD:ma''in" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin HEAD:m{a,}in" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "B=main; git push origin HEAD:$B" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin HEAD:$BRANCH" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push $REMOTE_AND_REFS" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.push GIT_CONFIG_VALUE_0=HEAD:main git push origin" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "GIT_CONFIG_PARAMETERS=\"'remote.origin.mirror'='true'\" git push origin" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push --forc origin agent/x" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push --force-w origin agent/x" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push -uf origin agent/x" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin -- +agent/x" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git config remote.origin.mirror true && git push" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git send-pack --force ../r agent/x" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git http-push --force https://x.example/r.git agent/x" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push $OPTS origin agent/x" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git -c alias.fp='push -f' fp origin agent/x" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git config alias.fp 'push --force' && git fp origin agent/x" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin agent/x --force-if-includes" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push origin agent/x -f" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "git push -$F origin agent/x" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  git({ command: "GIT_CONFIG_COUNT=1; GIT_CONFIG_KEY_0=remote.origin.push; GIT_CONFIG_VALUE_0=HEAD:main; git push origin" }, "git push: destination normalised (refspecs, --all, --mirror, config, aliases, send-pack)"),
  // Git commit: empty, lazy or unknown message
  git({ command: "git commit -m \"\"" }, "git commit: empty, lazy or unknown message"),
  git({ command: "git commit --allow-empty-message -m ''" }, "git commit: empty, lazy or unknown message"),
  git({ command: "git commit -m wip" }, "git commit: empty, lazy or unknown message"),
  git({ command: "git commit -am 'fix'" }, "git commit: empty, lazy or unknown message"),
  git({ command: "git commit -m \"$MSG\"" }, "git commit: empty, lazy or unknown message"),
  git({ command: "git commit -m ." }, "git commit: empty, lazy or unknown message"),
  // Other evasions
  git({ command: "git -c remote.origin.mirror=true push origin" }, "other evasions"),
  git({ command: "git -c remote.origin.push=HEAD:main push origin" }, "other evasions"),
  git({ command: "git -c push.default=matching push origin" }, "other evasions"),
  git({ command: "git -C /repo push origin HEAD:main" }, "other evasions"),
  git({ command: "git -c remote.origin.push=+refs/heads/*:refs/heads/* push origin" }, "other evasions"),
  // The GitHub CLI
  git({ command: "gh api -X PATCH repos/o/r/git/refs/heads/main -f sha=abc -F force=true" }, "GitHub API write to the main ref"),
  git({ command: "gh api repos/o/r/git/refs/heads/master -f sha=abc" }, "GitHub API write to master (fields imply POST)"),
  git({ command: "gh pr merge 42 --admin --squash" }, "merging a pull request whose base may be main")
]
