/**
 * How shell policies are built (private): reading `payload.command`, judging the parsed script or each
 * command, and the `allow` option. An allow entry is one simple command, exact (`"git reset --hard"`)
 * or a word prefix (`{ prefix: "python3 -c" }`), matched against what actually runs (wrappers
 * stripped). A policy whose only findings come from allowed commands passes with a reason starting
 * "allowed by configuration: …", so the receipt shows the run went through an allowance.
 *
 * @example
 * ```ts
 * import { allowList, eachCommand } from "./policy.ts"
 * const allow = allowList([{ prefix: "python3 -c" }], "codingAgent")
 * const policy = eachCommand("block_x", "No x", (c) => (c.name === "x" ? "runs x" : undefined), allow)
 * // { command: "sudo x --now" } blocks: "runs x"; { command: "ls" } passes: "No x"
 * ```
 * @module
 */
import * as Policy from "../../src/Policy.ts"
import { describeType, readField, show } from "../_payload.ts"
import { type Command, type Script, UNKNOWN } from "./model.ts"
import { parse } from "./parse.ts"

/** An entry of an `allow` option: one exact simple command, or a prefix of its words. */
export type AllowEntry = string | { readonly prefix: string }

/** A compiled allow list. */
export interface Allow {
  /** The entry `c` matches, as written, if any. */
  readonly match: (c: Command) => string | undefined
  readonly size: number
}

/** No allowances. */
export const NO_ALLOW: Allow = { match: () => undefined, size: 0 }

/**
 * Compiles allow entries; throws a configuration error for an entry that is not one simple command of
 * known words (`owner` names the set or policy in the message).
 */
export const allowList = (entries: ReadonlyArray<AllowEntry> | undefined, owner: string): Allow => {
  if (entries === undefined || entries.length === 0) return NO_ALLOW
  const compiled: Array<{ readonly words: ReadonlyArray<string>; readonly prefix: boolean; readonly shown: string }> = []
  for (const entry of entries) {
    const text = typeof entry === "string" ? entry : typeof entry === "object" && entry !== null ? entry.prefix : undefined
    if (typeof text !== "string" || text.trim() === "") {
      throw new TypeError(`Cannot build ${owner}: allow entries must be a command string or { prefix: string }, got ${JSON.stringify(entry)}`)
    }
    const script = parse(text)
    const first = script.commands[0]
    if (script.problem !== undefined || script.commands.length !== 1 || first === undefined || first.argv.some((w) => w.includes(UNKNOWN))) {
      throw new TypeError(`Cannot build ${owner}: allow entry ${JSON.stringify(text)} must be one simple command with no expansions`)
    }
    compiled.push({ words: first.argv, prefix: typeof entry !== "string", shown: typeof entry === "string" ? text : `${text} …` })
  }
  return {
    size: compiled.length,
    match: (c) => {
      for (const e of compiled) {
        if (e.prefix ? c.argv.length < e.words.length : c.argv.length !== e.words.length) continue
        if (e.words.every((w, i) => c.argv[i] === w)) return e.shown
      }
      return undefined
    }
  }
}

const NO_COMMAND = Policy.pass("No command given")

/** Reads and parses `payload.command`: a parsed script, a failing verdict, or undefined when absent. */
export const scriptOf = (payload: unknown): Script | Policy.Verdict | undefined => {
  const field = readField(payload, "command")
  if (field._tag === "Invalid") return Policy.fail(field.reason)
  if (field._tag === "Absent") return undefined
  const v = field.value
  if (typeof v === "string") return v.length > 0 && v.charCodeAt(0) > 32 ? parse(v) : v.trim() === "" ? undefined : parse(v)
  if (Array.isArray(v) && v.every((w) => typeof w === "string")) return v.length === 0 ? undefined : parse(v as ReadonlyArray<string>)
  return Policy.fail(`payload.command must be a string or an array of strings, got ${describeType(v)}`)
}

/** Judges a list of commands, honouring allowances: the verdict to return. */
export const judgeWithAllow = (
  commands: ReadonlyArray<Command>,
  judge: (commands: ReadonlyArray<Command>) => string | undefined,
  allow: Allow,
  passed: Policy.Verdict
): Policy.Verdict => {
  const reason = judge(commands)
  if (reason === undefined) return passed
  if (allow.size === 0) return Policy.fail(reason)
  const allowed = new Map<Command, string>()
  for (const c of commands) {
    const entry = allow.match(c)
    if (entry !== undefined) allowed.set(c, entry)
  }
  if (allowed.size === 0) return Policy.fail(reason)
  const rest = judge(commands.filter((c) => !allowed.has(c)))
  if (rest !== undefined) return Policy.fail(rest)
  const entries = [...new Set(allowed.values())].map((e) => show(e)).join(", ")
  return Policy.pass(`allowed by configuration: ${entries}; without the allowance this policy would block: ${reason}`)
}

/** A policy over the whole parsed command; `judge` returns why it blocks, or undefined. */
export const shellPolicy = (
  name: string,
  passReason: string,
  judge: (commands: ReadonlyArray<Command>) => string | undefined,
  allow: Allow = NO_ALLOW
): Policy.Policy => {
  const passed = Policy.pass(passReason)
  return Policy.make(name, (ctx) => {
    const script = scriptOf(ctx.payload)
    if (script === undefined) return NO_COMMAND
    if (!("commands" in script)) return script
    if (script.problem !== undefined) return Policy.fail(`The command cannot be fully inspected: ${script.problem} (fail closed)`)
    return judgeWithAllow(script.commands, judge, allow, passed)
  })
}

/** The first reason `judge` gives for any command. */
export const firstReason = (judge: (c: Command) => string | undefined) => (commands: ReadonlyArray<Command>): string | undefined => {
  for (const c of commands) {
    const reason = judge(c)
    if (reason !== undefined) return reason
  }
  return undefined
}

/** A policy judging each simple command on its own. */
export const eachCommand = (name: string, passReason: string, judge: (c: Command) => string | undefined, allow: Allow = NO_ALLOW): Policy.Policy =>
  shellPolicy(name, passReason, firstReason(judge), allow)

/**
 * Whether a word could be any option or word: it starts with text not known before the command runs, or
 * it is an option whose letters are not all known (`-$F` may be `-rf`; `--out=$X` is only a value).
 */
export const wild = (word: string): boolean => {
  if (word.startsWith(UNKNOWN)) return true
  if (!word.startsWith("-")) return false
  const at = word.indexOf(UNKNOWN)
  if (at < 0) return false
  const eq = word.indexOf("=")
  return eq < 0 || at < eq
}

/** The first word of `words` that could be anything, if any. */
export const wildWord = (words: ReadonlyArray<string>): string | undefined => words.find(wild)
