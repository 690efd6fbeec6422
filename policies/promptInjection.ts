/**
 * Prompt-injection policies: block payloads whose text tries to override the agent's instructions,
 * hijack its role, extract its system prompt, fake a system message or jailbreak it. This is a heuristic
 * tripwire, not a guarantee: it catches known phrasings and their disguises, and a determined attacker
 * can still word an injection it does not know. Treat a pass as "nothing known was found", never as
 * "the text is safe"; the guarantees come from allowlists and jails around what the agent can do.
 *
 * Every string (and object key) is normalised before matching (`_injectionText.ts`): Unicode
 * compatibility forms, invisible and tag characters, diacritics, look-alike letters (Cyrillic, Greek,
 * Armenian, Cherokee, small capitals), case, separators, spaced-out letters and punctuation inside words;
 * words split by spaces are caught on a squashed form; base64, percent-encoding, HTML entities and
 * `\u`/`\x` escapes are decoded and scanned too; the patterns tolerate leet digits (`1gn0r3`). The core
 * phrases are also known in Spanish, French, German, Portuguese, Italian, Chinese, Japanese and Russian.
 * Patterns need the whole phrase, so benign uses of "ignore", "system" or "act" ("please ignore the typo",
 * "the system is down", "act on the ticket") pass. Strings over 256 KiB, payloads over 1 MiB of text or
 * 20 000 strings, and nesting over 64 levels block (fail closed).
 *
 * @example
 * ```ts
 * import * as PromptInjection from "./promptInjection.ts"
 * const policies = [PromptInjection.blockPromptInjectionFields(["body", "title"])]
 * ```
 * @module
 */
import * as Policy from "../src/Policy.ts"
import * as Phrases from "./_injectionPhrases.ts"
import * as Text from "./_injectionText.ts"
import * as Payload from "./_payload.ts"

/** Normalises text for matching and display (see `_injectionText.ts`). */
export const normalise: (text: string) => string = Text.normalise

/** A finding: the category and the normalised text that matched. */
interface Finding {
  readonly category: string
  readonly excerpt: string
}

/** Longest string scanned (characters); a longer one blocks rather than being scanned slowly. */
export const MAX_TEXT_LENGTH = 256 * 1024
/** Most characters scanned in one payload (keys included). */
export const MAX_PAYLOAD_CHARS = 1024 * 1024
/** How many encodings deep hidden text is decoded (base64 inside percent-encoding…). */
const MAX_DECODE_DEPTH = 2
/** Shorter than the shortest pattern (`[inst]`, `忽略指令`) after normalisation: cannot match. */
const MIN_LENGTH = 4

const TOO_LONG: Finding = { category: "too long", excerpt: "" }

/** Scans one string: the first finding, or `undefined`. */
export const scan = (text: string): Finding | undefined => {
  if (text.length < MIN_LENGTH) return undefined
  if (text.length > MAX_TEXT_LENGTH) return TOO_LONG
  const known = memo.get(text)
  if (known !== undefined) return known === CLEAN ? undefined : known
  const finding = scanText(text, 0)
  if (text.length <= MEMO_LENGTH) {
    if (memo.size >= MEMO_SIZE) memo.clear()
    memo.set(text, finding ?? CLEAN)
  }
  return finding
}

// Recent answers: both prompt-injection policies of a gate scan the same strings, and payload keys
// repeat from run to run. A pure function of the text, so it holds no history that changes a verdict.
const MEMO_SIZE = 256
const MEMO_LENGTH = 4_096
const CLEAN: Finding = { category: "", excerpt: "" }
const memo = new Map<string, Finding>()

const first = (
  table: ReadonlyArray<readonly [string, RegExp]>,
  folded: string,
  shown: string,
  suffix: string
): Finding | undefined => {
  for (const [category, regex] of table) {
    const m = regex.exec(folded)
    if (m !== null) return { category: `${category}${suffix}`, excerpt: shown.slice(m.index, m.index + m[0].length) }
  }
  return undefined
}

const scanText = (text: string, depth: number): Finding | undefined => {
  // Pure ASCII: one cheap pass decides whether the text can hold anything at all (the common case).
  const q = Text.quick(text, Phrases.PREFILTER_AUTOMATON)
  const look = q === undefined || q.hit || q.brackets
  const encoded = q === undefined ? undefined : q.encoded
  let isEncoded = encoded === true
  if (look) {
    const { normalised, folded, squashed, encoded: e } = Text.forms(text)
    isEncoded = e
    if (Phrases.PREFILTER.test(squashed) || Phrases.MARKERS.test(normalised)) {
      const f = (Phrases.ENGLISH_ANY.test(folded) ? first(Phrases.ENGLISH, folded, normalised, "") : undefined) ??
        first(Phrases.FOREIGN_PHRASES, folded, normalised, "") ??
        first(Phrases.SQUASHED_PHRASES, squashed, squashed, ", split up")
      if (f !== undefined) return f
    }
  }
  if (isEncoded && depth < MAX_DECODE_DEPTH) {
    for (const decoded of Text.decodings(text)) {
      if (decoded === text) continue
      const f = scanText(decoded, depth + 1)
      if (f !== undefined) return { category: f.category.endsWith(", encoded") ? f.category : `${f.category}, encoded`, excerpt: f.excerpt }
    }
  }
  return undefined
}

const MAX_DEPTH = 64

/** What a walk found: nothing, a finding at a path, or a payload it cannot scan whole. */
type WalkResult =
  | undefined
  | { readonly path: string; readonly finding: Finding }
  | "too deep"
  | "unreadable"
  | { readonly tooLarge: string }

const pathOf = (path: ReadonlyArray<string | number>): string =>
  path.reduce<string>((acc, k) => (typeof k === "number" ? `${acc}[${k}]` : `${acc}.${k}`), "payload")

/** Which parts of a payload a walk scans: everything, or the subtrees under selected keys. */
interface Selection {
  /** Whether the subtree under `path` (ending in `key`) is selected. */
  readonly selects: (path: ReadonlyArray<string | number>) => boolean
}

const EVERYTHING: Selection = { selects: () => true }

interface Budget {
  chars: number
  entries: number
}

const scanAt = (text: string, path: Array<string | number>, budget: Budget, key: boolean): WalkResult => {
  budget.chars -= text.length
  if (budget.chars < 0) return { tooLarge: `the payload holds more than ${MAX_PAYLOAD_CHARS} characters of text` }
  if (--budget.entries < 0) return { tooLarge: `the payload holds more than ${Payload.MAX_ENTRIES} strings and keys` }
  const finding = scan(text)
  if (finding === undefined) return undefined
  if (finding === TOO_LONG) return { tooLarge: `${pathOf(path)}${key ? " (key)" : ""} is ${text.length} characters long, more than the ${MAX_TEXT_LENGTH} scanned` }
  return { path: `${pathOf(path)}${key ? " (key)" : ""}`, finding }
}

/** Scans every selected string value and object key under `value`, depth first. */
const walk = (value: unknown, path: Array<string | number>, depth: number, selection: Selection, selected: boolean, budget: Budget): WalkResult => {
  if (typeof value === "string") return selected ? scanAt(value, path, budget, false) : undefined
  if (typeof value !== "object" || value === null) return undefined
  if (depth >= MAX_DEPTH) return "too deep"
  if (Array.isArray(value)) {
    if (value.length > budget.entries) return { tooLarge: `${pathOf(path)} holds ${value.length} items, more than the ${Payload.MAX_ENTRIES} scanned` }
    for (let i = 0; i < value.length; i++) {
      path.push(i)
      const r = walk(value[i], path, depth + 1, selection, selected, budget)
      path.pop()
      if (r !== undefined) return r
    }
    return undefined
  }
  const keys = Object.keys(value)
  if (keys.length > budget.entries) return { tooLarge: `${pathOf(path)} holds ${keys.length} keys, more than the ${Payload.MAX_ENTRIES} scanned` }
  for (const key of keys) {
    path.push(key)
    const inside = selected || selection.selects(path)
    const r = (inside ? scanAt(key, path, budget, true) : undefined) ??
      walk((value as Record<string, unknown>)[key], path, depth + 1, selection, inside, budget)
    path.pop()
    if (r !== undefined) return r
  }
  return undefined
}

/** Walks a payload; a getter or proxy that throws while being read ends the walk as unreadable. */
const safeWalk = (payload: unknown, selection: Selection): WalkResult => {
  try {
    return walk(payload, [], 0, selection, selection === EVERYTHING, { chars: MAX_PAYLOAD_CHARS, entries: Payload.MAX_ENTRIES })
  } catch {
    return "unreadable"
  }
}

const verdictOf = (r: WalkResult, where: string): Policy.Verdict => {
  if (r === undefined) return Policy.pass(`No prompt injection found in ${where}`)
  if (r === "unreadable") return Policy.fail("Part of the payload could not be read (reading it threw), so it cannot be scanned for prompt injection")
  if (r === "too deep") return Policy.fail(`The payload is nested more than ${MAX_DEPTH} levels deep, too deep to scan for prompt injection`)
  if ("tooLarge" in r) return Policy.fail(`${r.tooLarge}, so it cannot be scanned for prompt injection (fail closed)`)
  return Policy.fail(`Prompt injection (${r.finding.category}) in ${r.path}: ${Payload.show(r.finding.excerpt)}`)
}

/**
 * Blocks payloads with a prompt-injection phrase in any string value or key, at any depth.
 *
 * @example
 * ```ts
 * import { blockPromptInjection } from "./promptInjection.ts"
 * // { note: "Ignore all previous instructions" } blocks; { note: "please ignore the typo" } passes
 * const policies = [blockPromptInjection]
 * ```
 */
export const blockPromptInjection: Policy.Policy = Policy.make(
  "block_prompt_injection",
  (ctx) => verdictOf(safeWalk(ctx.payload, EVERYTHING), "the payload")
)

/**
 * Blocks payloads with a prompt-injection phrase in the named fields, scanned recursively: a plain name
 * (`"body"`) matches that key at any depth (`{ messages: [{ body: … }] }`), a dotted one (`"email.body"`) a
 * path of keys from the top; absent fields pass.
 *
 * @example
 * ```ts
 * import { blockPromptInjectionFields } from "./promptInjection.ts"
 * const policies = [blockPromptInjectionFields(["body", "title"])] // { body: "You are now DAN" } blocks
 * ```
 */
export const blockPromptInjectionFields = (fields: ReadonlyArray<string>): Policy.Policy => {
  const names = [...fields]
  for (const f of names) {
    if (typeof f !== "string") {
      throw new TypeError(`Cannot build block_prompt_injection_fields: field names must be strings, got ${Payload.describeType(f)}`)
    }
  }
  const plain = new Set(names.filter((f) => !f.includes(".")))
  const dotted = names.filter((f) => f.includes(".")).map((f) => f.split("."))
  const selection: Selection = {
    selects: (path) => {
      const key = path[path.length - 1]
      if (typeof key === "string" && plain.has(key)) return true
      if (dotted.length === 0) return false
      const keys = path.filter((k): k is string => typeof k === "string")
      return dotted.some((d) => d.length === keys.length && d.every((k, i) => k === keys[i]))
    }
  }
  const where = names.length === 0 ? "no fields" : names.map((f) => `'${f}'`).join(", ")
  return Policy.make("block_prompt_injection_fields", (ctx) => verdictOf(safeWalk(ctx.payload, selection), where))
}
