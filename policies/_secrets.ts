/**
 * Known secret formats (private), shared by `dont_commit_api_keys`, `dont_copy_api_keys` and
 * `block_grep_secret_patterns`. Deliberately vendor formats only (low false positives): OpenAI and
 * Anthropic `sk-…`, GitHub `ghp_/gho_/ghu_/ghs_/ghr_/github_pat_…`, Slack `xox[abposr]-…`, AWS
 * `AKIA/ASIA…` and assigned secret access keys, Google `AIza…` and `ya29.…`, Stripe live keys, and PEM private key blocks. All the
 * patterns are compiled once into one regular expression, so a scan is a single pass over the text.
 *
 * @example
 * ```ts
 * findSecret("key = AKIAABCDEFGHIJKLMNOP") // "AWS access key id"
 * findSecret("nothing to see")             // undefined
 * ```
 * @module
 */

/** A secret format: a name for reasons and a regular expression source without capture groups. */
interface SecretKind {
  readonly name: string
  readonly source: string
}

/** The secret formats, most specific first. */
export const SECRET_KINDS: ReadonlyArray<SecretKind> = [
  { name: "private key block", source: String.raw`-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----` },
  {
    name: "OpenAI/Anthropic API key",
    source: String.raw`(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin|ant)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{20,})`
  },
  { name: "GitHub token", source: String.raw`(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{36,}` },
  { name: "GitHub fine-grained token", source: String.raw`(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{22,}` },
  { name: "Slack token", source: String.raw`(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}` },
  { name: "AWS access key id", source: String.raw`(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])` },
  {
    name: "AWS secret access key",
    source: String.raw`(?:aws|AWS|Aws)_?(?:secret|SECRET|Secret)_?(?:access|ACCESS|Access)_?(?:key|KEY|Key)["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])`
  },
  { name: "Google API key", source: String.raw`(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}` },
  { name: "Google OAuth token", source: String.raw`(?<![A-Za-z0-9])ya29\.[0-9A-Za-z_-]{30,}` },
  { name: "Stripe live key", source: String.raw`(?<![A-Za-z0-9])(?:sk|rk)_live_[0-9A-Za-z]{20,}` }
]

const COMBINED = new RegExp(SECRET_KINDS.map((k) => `(${k.source})`).join("|"))

/** The name of the first known secret format found in `text`, or `undefined`. Never returns the secret. */
export const findSecret = (text: string): string | undefined => {
  const m = COMBINED.exec(text)
  if (m === null) return undefined
  for (let i = 0; i < SECRET_KINDS.length; i++) {
    if (m[i + 1] !== undefined) return SECRET_KINDS[i]!.name
  }
  return "secret"
}
