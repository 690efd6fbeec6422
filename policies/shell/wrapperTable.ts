/**
 * The wrapper table (private): for each program that runs another program from its command line, the
 * options it takes (with and without a value), the positional words before the wrapped command, and how
 * it behaves (loops, runs a shell, changes directory). Read by `wrappers.ts`.
 *
 * @example
 * ```ts
 * import { SPECS } from "./wrapperTable.ts"
 * SPECS.get("timeout")?.positional // 1: `timeout 10 cmd`
 * ```
 * @module
 */

export interface Spec {
  /** Short options without a value. */
  readonly flags: string
  /** Short options with a value (attached or next word). */
  readonly valued: string
  /** Long options without a value (space separated). */
  readonly long?: string
  /** Long options with a value. */
  readonly longValued?: string
  /** Positional words before the command (`timeout 10 cmd`). */
  readonly positional?: number
  /** Words after the program name that must be there for it to be a wrapper (`uv run`, `bundle exec`). */
  readonly sub?: ReadonlyArray<string>
  readonly loop?: boolean
  /** Options that mean no command runs (`command -v`, `sudo -l`). */
  readonly noCommand?: string
  /** `nice -5`: digits are flags. */
  readonly digits?: boolean
  /** Every `-x` is a flag (`arch -x86_64`). */
  readonly anyFlag?: boolean
  /** The option whose value is a shell script run instead of argv (`flock -c`, `script -c`). */
  readonly scriptOption?: string
  /** Options after which the command words are joined and run by a shell (`sudo -s`). */
  readonly shellFlags?: string
  /** The option that sets the working directory. */
  readonly chdir?: string
}

const S = (flags: string, valued: string, more: Omit<Spec, "flags" | "valued"> = {}): Spec => ({ flags, valued, ...more })

export const SPECS: ReadonlyMap<string, Spec> = new Map<string, Spec>([
  ["sudo", S("AbEHiKkLlnPSsVve", "CDghpRrTtUu", {
    long: "askpass background edit help login list non-interactive preserve-groups shell stdin set-home reset-timestamp remove-timestamp validate version preserve-env",
    longValued: "user group host prompt chdir chroot role type other-user close-from command-timeout",
    noCommand: "eKLlVv",
    shellFlags: "si",
    chdir: "D"
  })],
  ["doas", S("Lns", "uC", { shellFlags: "s", noCommand: "L" })],
  ["run0", S("", "ugD", { longValued: "user group unit property description slice nice chdir setenv background machine", chdir: "D" })],
  ["pkexec", S("", "", { long: "disable-internal-agent", longValued: "user" })],
  ["env", S("i0v", "uCS", { long: "ignore-environment null debug list-signal-handling", longValued: "unset chdir split-string default-signal ignore-signal block-signal", chdir: "C" })],
  ["nice", S("", "n", { longValued: "adjustment", digits: true })],
  ["ionice", S("t", "cnpPu", { longValued: "class classdata pid pgid uid", noCommand: "pPu" })],
  ["timeout", S("v", "sk", { long: "foreground preserve-status verbose", longValued: "signal kill-after", positional: 1 })],
  ["nohup", S("", "")],
  ["setsid", S("cfw", "", { long: "ctty fork wait" })],
  ["stdbuf", S("", "ioe", { longValued: "input output error" })],
  ["time", S("pvaq", "fo", { long: "portability verbose append quiet", longValued: "format output" })],
  ["command", S("pvV", "", { noCommand: "vV" })],
  ["builtin", S("", "")],
  ["exec", S("cl", "a")],
  ["chronic", S("ev", "")],
  ["unbuffer", S("p", "")],
  ["caffeinate", S("dimsu", "tw")],
  ["chrt", S("abdefiomrRv", "TPD", { positional: 1, noCommand: "p" })],
  ["taskset", S("ac", "", { positional: 1, noCommand: "p" })],
  ["flock", S("sxunoFhV", "wEc", { long: "shared exclusive unlock nonblock close no-fork verbose", longValued: "timeout conflict-exit-code command", positional: 1, scriptOption: "c" })],
  ["proxychains", S("q", "f")],
  ["proxychains4", S("q", "f")],
  ["torsocks", S("diq", "upaP")],
  ["tsocks", S("", "")],
  ["xargs", S("0oprtxil", "aEILnPsd", {
    long: "null interactive no-run-if-empty verbose exit open-tty show-limits",
    longValued: "arg-file delimiter eof max-lines max-args max-procs max-chars process-slot-var",
    loop: true
  })],
  ["busybox", S("", "", { noCommand: "" })],
  ["toybox", S("", "")],
  ["chroot", S("", "", { longValued: "userspec groups", long: "skip-chdir", positional: 1 })],
  ["unshare", S("mUinpuCTrfcl", "SGRw", { long: "mount uts ipc net pid user cgroup time fork kill-child map-root-user map-current-user mount-proc", longValued: "setuid setgid root wd propagation setgroups" })],
  ["nsenter", S("muinpUCTaFZ", "tSGrwe", { longValued: "target setuid setgid root wd" })],
  ["runuser", S("lmpf", "ugcws", { longValued: "user group command shell session-command whitelist-environment", scriptOption: "c" })],
  ["su", S("lmpf", "cgGsw", { longValued: "command group supp-group shell session-command whitelist-environment", scriptOption: "c", noCommand: "" })],
  ["strace", S("fFqvwVdcCrtTyYhkz", "abeEIoOpPsSUuX", { noCommand: "p" })],
  ["ltrace", S("fhiLrStTV", "aAeEFlnopsu", { noCommand: "p" })],
  ["valgrind", S("qv", "", { anyFlag: false })],
  ["xvfb-run", S("a", "npsfew", { long: "auto-servernum", longValued: "server-num server-args auth-file error-file xauth-protocol wait" })],
  ["dbus-run-session", S("", "", { longValued: "config-file dbus-daemon" })],
  ["fakeroot", S("u", "ils", { long: "unknown-is-real", longValued: "lib faked" })],
  ["eatmydata", S("", "")],
  ["catchsegv", S("", "")],
  ["tini", S("svwglh", "pe")],
  ["dumb-init", S("cvh", "r", { long: "single-child verbose", longValued: "rewrite" })],
  ["gosu", S("", "", { positional: 1 })],
  ["su-exec", S("", "", { positional: 1 })],
  ["numactl", S("almsSH", "NCmpPwib", { longValued: "interleave preferred membind cpunodebind physcpubind localalloc" })],
  ["cpulimit", S("kiqvz", "lpe", { long: "kill background lazy verbose", longValued: "limit pid exe" })],
  ["trickle", S("sv", "udwtnL")],
  ["arch", S("", "", { anyFlag: true })],
  ["rlwrap", S("cibrRAhv", "afgHlopPsSwzCDe")],
  ["winpty", S("", "")],
  ["script", S("aeEfqQ", "cBIOTtm", { scriptOption: "c", noCommand: "" })],
  ["sshpass", S("ev", "pfdP")],
  ["screen", S("dmALaDRrxqUOiv", "SceHhpTtX", { noCommand: "lrR" })],
  ["systemd-run", S("rtPqGSd", "upHME", {
    long: "user system scope remain-after-exit pty pipe quiet same-dir wait collect no-block send-sighup shell",
    longValued: "unit property description slice on-active on-boot on-startup on-unit-active on-unit-inactive on-calendar timer-property path-property socket-property working-directory uid gid nice setenv machine host service-type"
  })],
  ["watch", S("bcdeghtxpr", "nq", { longValued: "interval differences", long: "beep color no-color errexit chgexit no-title exec precise no-linewrap", loop: true })],
  // Tool runners: `uv run CMD`, `poetry run CMD`, `bundle exec CMD`…
  ["uv", S("qv", "p", { sub: ["run"], longValued: "with with-requirements python package directory project env-file extra group index" })],
  ["poetry", S("qvn", "C", { sub: ["run"], longValued: "directory project" })],
  ["pipenv", S("qv", "", { sub: ["run"] })],
  ["pdm", S("qv", "p", { sub: ["run"], longValued: "project venv" })],
  ["hatch", S("qv", "e", { sub: ["run"], longValued: "env" })],
  ["conda", S("qv", "np", { sub: ["run"], long: "live-stream no-capture-output", longValued: "name prefix cwd" })],
  ["mamba", S("qv", "np", { sub: ["run"], long: "live-stream no-capture-output", longValued: "name prefix cwd" })],
  ["micromamba", S("qv", "np", { sub: ["run"], longValued: "name prefix cwd" })],
  ["bundle", S("", "", { sub: ["exec"], long: "keep-file-descriptors", longValued: "gemfile" })],
  ["dotenv", S("ocp", "ev", {})],
  ["dotenvx", S("q", "f", { sub: ["run"], long: "overload quiet verbose debug strict", longValued: "env-file env-keys-file env convention" })],
  ["op", S("", "", { sub: ["run"], long: "no-masking", longValued: "env-file account" })],
  ["doppler", S("", "pc", { sub: ["run"], longValued: "project config token mount fallback" })],
  ["aws-vault", S("n", "d", { sub: ["exec"], positional: 1, long: "no-session json server ec2-server ecs-server", longValued: "duration mfa-token region prompt" })],
  ["direnv", S("", "", { sub: ["exec"], positional: 1 })],
  ["mise", S("qvy", "CE", { sub: ["exec"], longValued: "cd env jobs" })],
  ["rtx", S("qvy", "C", { sub: ["exec"] })],
  ["asdf", S("", "", { sub: ["exec"] })],
  ["rbenv", S("", "", { sub: ["exec"] })],
  ["pyenv", S("", "", { sub: ["exec"] })],
  ["nodenv", S("", "", { sub: ["exec"] })],
  ["volta", S("", "", { sub: ["run"], long: "bundled-npm no-yarn verbose quiet", longValued: "node npm yarn pnpm env" })],
  ["devbox", S("qc", "", { sub: ["run"], longValued: "config environment" })],
  ["nvm", S("", "", { sub: ["exec"], positional: 1, long: "silent lts" })],
  ["fnm", S("", "", { sub: ["exec"], longValued: "using" })],
  ["npx", S("yqc", "pwc", { longValued: "package call workspace cache userconfig registry prefix loglevel", long: "yes no quiet", scriptOption: "c" })]
])
