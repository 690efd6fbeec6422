/**
 * Text normalisation and decoding for the prompt-injection scan (private). Before matching, text is
 * folded onto plain lower-case Latin: Unicode tag characters read as ASCII, compatibility forms (NFKD:
 * full-width, mathematical, circled letters), invisible characters (zero-width, bidi controls, soft
 * hyphens, combining marks, fillers) removed, look-alike letters mapped to the Latin letter they imitate
 * (Cyrillic, Greek, Armenian, Cherokee, small capitals such as `ɪɢɴᴏʀᴇ`, regional indicators), separator
 * runs collapsed, spaced or dotted single letters joined (`i g n o r e`, `i.g.n.o.r.e`), and punctuation
 * inside a word dropped (`Ig.nore`, `ins/truc|tions`). `squash` removes every space as well, for the
 * patterns that must also catch words split by spaces (`ig nore`). `decodings` yields the text hidden in
 * base64, percent-encoding, HTML entities and `\u`/`\x` escapes, so an encoded payload is scanned as well.
 *
 * @example
 * ```ts
 * import { normalise, squash } from "./_injectionText.ts"
 * normalise("ＩＧ\u200bＮＯＲＥ ᴀʟʟ") // "ignore all"
 * squash(normalise("ig nore all"))  // "ignoreall"
 * ```
 * @module
 */
import * as Words from "./_wordAutomaton.ts"

/** Look-alike letters NFKD leaves alone, mapped to the Latin letter they imitate (after lowercasing). */
const HOMOGLYPHS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    // Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    "ь": "b", "п": "n", "г": "r", "ԍ": "g", "ѵ": "v", "ү": "y",
    // Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "γ": "y", "ω": "w", "μ": "u", "ς": "s", "ϲ": "c", "ϳ": "j", "ϱ": "p",
    // Armenian
    "օ": "o", "ս": "u", "հ": "h", "ո": "n", "ց": "g", "ւ": "i", "զ": "q",
    // Cherokee (both cases, as lower-casing leaves them)
    "ꭺ": "a", "Ꭺ": "a", "ꮯ": "c", "Ꮯ": "c", "ꭼ": "e", "Ꭼ": "e", "ꮐ": "g", "Ꮐ": "g", "ꮋ": "h", "Ꮋ": "h",
    "ꭵ": "i", "Ꭵ": "i", "ꮶ": "k", "Ꮶ": "k", "ꮮ": "l", "Ꮮ": "l", "ꮇ": "m", "Ꮇ": "m", "ꮲ": "p", "Ꮲ": "p",
    "ꮪ": "s", "Ꮪ": "s", "ꭲ": "t", "Ꭲ": "t", "ꮩ": "v", "Ꮩ": "v", "ꮃ": "w", "Ꮃ": "w",
    // Latin small capitals and IPA
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k",
    "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ǫ": "q", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v",
    "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ı": "i", "ȷ": "j", "ɡ": "g", "ɑ": "a", "ɩ": "i", "ł": "l", "ø": "o", "đ": "d",
    "ħ": "h", "ɒ": "a", "ɛ": "e", "ɔ": "o", "ʋ": "u", "ɾ": "r",
    // punctuation look-alikes
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'", "\u201c": "\"", "\u201d": "\""
  })
)

/** Unicode tag characters (U+E0020–U+E007E): invisible to people, read as ASCII by models. */
const TAGS = /[\u{E0020}-\u{E007E}]/gu
/** Regional indicator symbols (🇦–🇿), which render as letters. */
const REGIONAL = /[\u{1F1E6}-\u{1F1FF}]/gu
/** Format characters (zero-width, bidi, soft hyphen), combining marks, fillers and blank look-alikes. */
const INVISIBLE = /[\p{Cf}\p{M}\u115f\u1160\u17b4\u17b5\u180e\u2800\u3164\uffa0]/gu
const ASCII_CONTROL_G = /[\x00-\x08\x0e-\x1f\x7f]/g
const NON_ASCII = /[^\x00-\x7f]/
const NON_ASCII_G = /[^\x00-\x7f]/g
/** Whitespace and the punctuation used to break words apart (`i_g_n_o_r_e`, `**ignore**`, `ig-nore`). */
const SEPARATORS = /[\s_*~`^\-=+]+/g
/** Anything the two replacements below would change (tested first: most text needs neither). */
const NEEDS_CLEANING = /[\x00-\x08\x0e-\x1f\x7f]|[^\S ]|  |[_*~`^\-=+]/
/** Runs of single characters separated by spaces or dots (`i g n o r e`, `i.g.n.o.r.e`). */
const SPACED_LETTERS = /(?<![^ .])(?:[^ .][ .]){3,}[^ .](?![^ .])/g
const HAS_SPACED_LETTERS = /(?:^|[ .])(?:[^ .][ .]){3,}[^ .](?![^ .])/
const SPACE_OR_DOT = /[ .]/g
/** One or two punctuation marks between two letters (`ig.nore`, `in/st|ructions`); apostrophes are kept. */
const INNER_PUNCTUATION = /(?<=[a-z])[.,;/\\|!?"·•]{1,2}(?=[a-z])/g

/** ASCII separators (whitespace and `_*~\`^-=+`): 1; controls other than whitespace: 2; anything else: 0. */
const ASCII_CLASS: ReadonlyArray<number> = Array.from({ length: 128 }, (_, c) =>
  (c >= 9 && c <= 13) || c === 32 || "_*~`^-=+".includes(String.fromCharCode(c)) ? 1 : c < 32 || c === 127 ? 2 : 0
)

/** Punctuation dropped between two letters (`ig.nore`). */
const INNER: ReadonlyArray<boolean> = Array.from({ length: 128 }, (_, c) => ".,;/\\|!?\"".includes(String.fromCharCode(c)))

const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90)

/**
 * For pure ASCII: lower-cases, drops controls and one or two punctuation marks between letters, and
 * collapses separator runs to one space in one pass — the same result as `toLowerCase`, then
 * `ASCII_CONTROL_G`, `SEPARATORS` and `INNER_PUNCTUATION` replaced.
 */
const cleanAscii = (text: string): string => {
  let out = ""
  let run = 0
  let pending = false
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    let kind = ASCII_CLASS[c]!
    if (kind === 0 && INNER[c] === true && i > 0 && isLetter(text.charCodeAt(i - 1))) {
      const next = INNER[text.charCodeAt(i + 1)] === true ? i + 2 : i + 1
      if (next < n && isLetter(text.charCodeAt(next))) kind = 2
    }
    if (kind === 0) {
      if (pending) {
        out += " "
        pending = false
        run = i
      }
      continue
    }
    if (i > run) out += text.slice(run, i)
    run = i + 1
    if (kind === 1) pending = true
  }
  if (n > run) out += (pending ? " " : "") + text.slice(run)
  else if (pending) out += " "
  return out.toLowerCase()
}

/** Normalises text for matching and display (see the module doc); pure ASCII skips the Unicode steps. */
export const normalise = (text: string): string => {
  let s = text
  if (NON_ASCII.test(s)) {
    s = s.replace(TAGS, (c) => String.fromCharCode(c.codePointAt(0)! - 0xe0000))
      .replace(REGIONAL, (c) => String.fromCharCode(c.codePointAt(0)! - 0x1f1e6 + 97))
      .normalize("NFKD")
      .replace(INVISIBLE, "")
      .toLowerCase()
      .replace(NON_ASCII_G, (c) => HOMOGLYPHS.get(c) ?? c)
    if (NEEDS_CLEANING.test(s)) s = s.replace(ASCII_CONTROL_G, "").replace(SEPARATORS, " ")
    if (HAS_SPACED_LETTERS.test(s)) s = s.replace(SPACED_LETTERS, (run) => run.replace(SPACE_OR_DOT, ""))
    return s.replace(INNER_PUNCTUATION, "")
  }
  s = cleanAscii(s)
  return HAS_SPACED_LETTERS.test(s) ? s.replace(SPACED_LETTERS, (run) => run.replace(SPACE_OR_DOT, "")) : s
}

const NOT_ALNUM_ASCII = /[^a-z0-9]+/g
const NOT_ALNUM = /[^\p{L}\p{N}]+/gu

/** The normalised text with every space and punctuation mark removed (letters, digits and CJK kept). */
export const squash = (normalised: string): string =>
  normalised.replace(NON_ASCII.test(normalised) ? NOT_ALNUM : NOT_ALNUM_ASCII, "")

/**
 * Leet spellings folded onto the letter they stand for, character for character (so offsets into the
 * skeleton are offsets into the normalised text): `1gn0r3 4ll` → `ignore aii`. `1` stands for both `i`
 * and `l`, so the patterns accept `i` and `l` for each other.
 */
const LEET: Readonly<Record<string, string>> = { "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s" }
const LEET_CHARS = /[013457@$]/
const LEET_BY_CODE: ReadonlyArray<string | undefined> = Array.from({ length: 128 }, (_, c) => LEET[String.fromCharCode(c)])

/** The forms of one text the scan matches against, and whether it shows any sign of an encoding. */
export interface Forms {
  readonly normalised: string
  /** `normalised` with leet digits folded onto letters. */
  readonly folded: string
  /** `folded` with every space and punctuation mark removed. */
  readonly squashed: string
  /** Whether `decodings` could find anything (an upper-case letter after a lower-case one or a digit, `%XX`, `&#`, `\u`). */
  readonly encoded: boolean
}

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)

/** All the forms of a text (any text; `quick` is the cheap first look at ASCII text). */
export const forms = (text: string): Forms => {
  const normalised = normalise(text)
  const folded = skeleton(normalised)
  return { normalised, folded, squashed: squash(folded), encoded: ENCODED.test(text) }
}

/** What `quick` sees of an ASCII text. */
export interface Quick {
  /** Whether the squashed form (`forms(text).squashed`) contains one of the anchor words. */
  readonly hit: boolean
  /** Whether the text has a `[` or `<`, which the punctuation-only markers need. */
  readonly brackets: boolean
  /** The same as `forms(text).encoded`. */
  readonly encoded: boolean
}

/** Per ASCII code: the squashed symbol (lower-cased, leet-folded, see `_wordAutomaton.ts`) or -1 when squashing drops it. */
const SQUASH_SYMBOL: ReadonlyArray<number> = Array.from({ length: 128 }, (_, c) => {
  const lower = c >= 65 && c <= 90 ? c + 32 : c
  return Words.symbol(LEET_BY_CODE[lower]?.charCodeAt(0) ?? lower)
})

/**
 * One pass over pure-ASCII text: does its squashed form (separators, controls and punctuation all vanish
 * when squashing, so normalising first changes nothing) contain one of `anchors`, and the two flags the
 * scan needs; `undefined` for text with non-ASCII characters, which needs `forms`. Allocates nothing.
 */
export const quick = (text: string, anchors: Words.Automaton): Quick | undefined => {
  let state = 0
  let hit = false
  let brackets = false
  let encoded = false
  let prev = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c > 127) return undefined
    if (!encoded) {
      if (c >= 65 && c <= 90) encoded = (prev >= 97 && prev <= 122) || (prev >= 48 && prev <= 57) || prev === 43 || prev === 47
      else if (c === 37) encoded = isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))
      else if (c === 38) encoded = text.charCodeAt(i + 1) === 35
      else if (c === 92) encoded = text.charCodeAt(i + 1) === 117 || text.charCodeAt(i + 1) === 120
    }
    if (c === 91 || c === 60) brackets = true
    prev = c
    if (hit) continue
    const a = SQUASH_SYMBOL[c]!
    if (a < 0) continue
    state = Words.step(anchors, state, a)
    if (anchors.hit[state] === 1) hit = true
  }
  return { hit, brackets, encoded }
}

/** The normalised text with leet digits folded onto letters (same length). */
export const skeleton = (normalised: string): string => {
  if (!LEET_CHARS.test(normalised)) return normalised
  let out = ""
  let run = 0
  for (let i = 0; i < normalised.length; i++) {
    const c = normalised.charCodeAt(i)
    const letter = c < 128 ? LEET_BY_CODE[c] : undefined
    if (letter === undefined) continue
    out += normalised.slice(run, i) + letter
    run = i + 1
  }
  return out + normalised.slice(run)
}

// ---------------------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------------------

const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g
/**
 * Any sign of an encoding at all — an upper-case letter right after a lower-case letter or digit (as base64
 * of text always has), `%XX`, `&#`, `\u`/`\x` — a cheap first pass.
 */
const ENCODED = /[a-z0-9+/][A-Z]|%[0-9a-fA-F]{2}|&#|\\[ux]/
const PERCENT = /%[0-9a-fA-F]{2}/
const ENTITY = /&#(?:x[0-9a-fA-F]{1,6}|[0-9]{1,7});?/
const ESCAPE = /\\(?:u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]{1,6}\}|x[0-9a-fA-F]{2})/
const MAX_RUNS = 16
const MAX_RUN_LENGTH = 64 * 1024
const utf8 = new TextDecoder("utf-8", { fatal: true })

/** Decodes base64 or base64url to UTF-8 text, or undefined when it is not mostly printable text. */
const fromBase64 = (run: string): string | undefined => {
  const b64 = run.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "")
  if (b64.length % 4 === 1) return undefined
  let binary: string
  try {
    binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4))
  } catch {
    return undefined
  }
  let text: string
  try {
    text = utf8.decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
  } catch {
    return undefined
  }
  let printable = 0
  for (const ch of text) if (/[\p{L}\p{N}\p{P}\p{Zs}\n]/u.test(ch)) printable++
  return printable >= text.length * 0.85 && (text.match(/[\p{L}\p{N}]/gu)?.length ?? 0) >= 4 ? text : undefined
}

const codePoint = (n: number): string => (n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : "")

/**
 * The texts hidden in `text` by an encoding: decoded base64 runs (16+ characters), the percent-decoded
 * text, HTML numeric entities and `\u`/`\x` escapes resolved. Empty for most text.
 */
export const decodings = (text: string): ReadonlyArray<string> => {
  if (!ENCODED.test(text)) return []
  const out: Array<string> = []
  BASE64_RUN.lastIndex = 0
  let runs = 0
  for (let m = BASE64_RUN.exec(text); m !== null && runs < MAX_RUNS; m = BASE64_RUN.exec(text)) {
    if (m[0].length > MAX_RUN_LENGTH || !/[A-Z]/.test(m[0]) || !/[a-z]/.test(m[0]) || !/[0-9+]/.test(m[0])) continue
    runs++
    const decoded = fromBase64(m[0])
    if (decoded !== undefined) out.push(decoded)
  }
  if (PERCENT.test(text)) {
    try {
      out.push(decodeURIComponent(text.replace(/\+/g, " ")))
    } catch {
      out.push(text.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))))
    }
  }
  if (ENTITY.test(text)) {
    out.push(text.replace(/&#(x[0-9a-fA-F]{1,6}|[0-9]{1,7});?/g, (_, n: string) =>
      codePoint(n.startsWith("x") ? parseInt(n.slice(1), 16) : Number(n))))
  }
  if (ESCAPE.test(text)) {
    out.push(text.replace(/\\(?:u([0-9a-fA-F]{4})|u\{([0-9a-fA-F]{1,6})\}|x([0-9a-fA-F]{2}))/g, (_, a?: string, b?: string, c?: string) =>
      codePoint(parseInt(a ?? b ?? c ?? "0", 16))))
  }
  return out
}
