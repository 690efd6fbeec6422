/**
 * Remote code (private): commands that fetch data from the network or decode it (`curl`, `wget`,
 * `base64 -d`), shells and interpreters that run what they are fed, and download-then-run sequences
 * (`curl -o i.sh … && sh i.sh`).
 *
 * @example
 * ```ts
 * import { parse } from "./parse.ts"
 * import { runsRemoteCode } from "./remote.ts"
 * const [, sh] = parse("curl -s https://x | sh").commands
 * if (sh !== undefined) runsRemoteCode(sh) // "'curl -s https://x' is piped into 'sh', which runs whatever it receives"
 * ```
 * @module
 */
import { show } from "../_payload.ts"
import { type Command, hasOption, optionValues, pathOf, positionals, shown } from "./model.ts"
import { isInterpreter, SHELLS } from "./interpreters.ts"

const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

const DOWNLOADERS = set(
  "curl wget fetch http https xh aria2c lwp-download lwp-request get iwr irm invoke-webrequest invoke-restmethod nc ncat netcat socat telnet"
)
const EVALUATORS = set("eval source . iex invoke-expression")

/** Whether a command fetches data from the network, or decodes data, that could be code. */
const isSource = (c: Command): boolean => {
  const a = c.args
  return DOWNLOADERS.has(c.name) ||
    ((c.name === "base64" || c.name === "base32" || c.name === "basenc") && hasOption(a, "d", "decode")) ||
    (c.name === "base64" && hasOption(a, "D")) || (c.name === "xxd" && hasOption(a, "r", "revert")) ||
    (c.name === "openssl" && (a.includes("base64") || a.includes("enc")) && a.includes("-d"))
}

/** Whether a shell or interpreter takes its program from standard input (`sh`, `bash -s`, `python3 -`). */
const programFromStdin = (c: Command): boolean => {
  if (c.name === "iex" || c.name === "invoke-expression") return true
  if (c.name === "source" || c.name === ".") return ["/dev/stdin", "-", "/proc/self/fd/0"].includes(c.argv[1] ?? "")
  if (!isInterpreter(c.name) || c.code !== undefined && c.code !== c.stdin) return false
  const a = c.args
  if (a.some((w) => /^-[A-Za-z]*c[A-Za-z]*$/.test(w)) && SHELLS.has(c.name)) return false
  if (a.includes("-m")) return false
  const script = positionals(a, set("-W -X -o -O --rcfile --init-file"))[0]
  return script === undefined || script === "-" || script === "/dev/stdin" || (SHELLS.has(c.name) && hasOption(a, "s"))
}

/** Why a command runs code it fetched or decoded (piped in, or through a substitution), if it does. */
export const runsRemoteCode = (c: Command): string | undefined => {
  if (c.upstream.length === 0 && c.substitutions.length === 0) return undefined
  const runner = isInterpreter(c.name) || EVALUATORS.has(c.name)
  const piped = programFromStdin(c) ? c.upstream.find(isSource) : undefined
  if (piped !== undefined) return `${shown(piped)} is piped into ${show(c.name)}, which runs whatever it receives`
  const sub = runner || c.runsSubstitution ? c.substitutions.find(isSource) : undefined
  if (sub !== undefined) return `${shown(c)} runs the output of ${shown(sub)}, code fetched at run time`
  return undefined
}

/** The file name a download keeps by default: the last segment of the URL path. */
const urlFileName = (u: string): string => {
  try {
    return new URL(u).pathname.split("/").pop() || "index.html"
  } catch {
    return u.split("/").pop() ?? u
  }
}

/** Why a command list downloads a file and then runs it (`curl -o i.sh … && sh i.sh`), if it does. */
export const downloadThenRun = (commands: ReadonlyArray<Command>): string | undefined => {
  const downloaded = new Map<string, Command>()
  for (const c of commands) {
    if (downloaded.size === 0 && !DOWNLOADERS.has(c.name)) continue
    const a = c.args
    if (DOWNLOADERS.has(c.name)) {
      const named = c.name === "curl" ? optionValues(a, "o", "output") : optionValues(a, "O", "output-document")
      const remoteName = c.name === "wget" ? named.length === 0 : hasOption(a, "O", "remote-name")
      const files = [
        ...named, ...c.redirects.filter((r) => r.op === ">" || r.op === ">>").map((r) => r.target),
        ...(remoteName ? positionals(a).filter((w) => /^[a-z]+:\/\//i.test(w)).map(urlFileName) : [])
      ]
      for (const f of files) if (f !== "-") downloaded.set(pathOf(f, c.cwd), c)
      continue
    }
    const target = isInterpreter(c.name) || c.name === "source" || c.name === "."
      ? positionals(a, set("-m -W -X -o -O"))[0]
      : c.argv[0]?.includes("/") === true ? c.argv[0] : undefined
    const from = target === undefined ? undefined : downloaded.get(pathOf(target, c.cwd))
    if (from !== undefined) return `${shown(c)} runs ${show(target!)}, which ${shown(from)} just downloaded`
  }
  return undefined
}
