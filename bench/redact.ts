/**
 * Benchmark: the cost of scrubbing secrets from a receipt-sized value (about 1 KB of JSON: a payload with a
 * command, a URL, headers and a message, policy results, two actions with rollback data) with 0, 1 and 5
 * secrets, as the run loop does for every receipt. Three cases per secret count:
 *
 * - "clean": no secret anywhere (the usual receipt): what every run pays;
 * - "hit": one secret appears, base64-encoded inside an `Authorization` header (the slow path);
 * - "build": `makeScrubber` itself (compiling the patterns), paid once per secret list.
 *
 * Values rotate through distinct strings, so nothing is cached between iterations. Prints p50/p99 and mean
 * µs. Run with `node bench/redact.ts` (Node 22) or `deno run -A bench/redact.ts`. Env: BENCH_N (default
 * 20000), BENCH_WARMUP (default 5000).
 */
import * as Redact from "../src/receipt/Redact.ts"

const N = Number(process.env.BENCH_N ?? 20_000)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5_000)
const VARIANTS = 256

const SECRETS = [
  "ghp_R4nd0mT0k3nV4lu3F0rB3nch1ng",
  "sk_live_51HxYzAbCdEfGhIjKlMn",
  "xoxb-2048-4096-abcdefABCDEF",
  "postgres-password-9f8e7d6c",
  "AKIAIOSFODNN7EXAMPLE"
]

const b64 = (s: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(s)))

/** A receipt-shaped value of about 1 KB; `leak` puts a secret (base64, in a header) into it. */
const receiptLike = (i: number, leak: string | undefined) => ({
  run_id: `run-${i}`,
  workflow: "deploy_preview",
  user_email: `agent-${i}@example.com`,
  user_attributes: { team: "platform", role: "engineer", region: `eu-${i % 7}` },
  payload: {
    command: `git push origin agent/feature-${i} --force-with-lease`,
    url: `https://api.example.com/v2/repos/acme/app/pulls?page=${i}&per_page=50`,
    headers: { accept: "application/json", authorization: leak === undefined ? `Bearer public-${i}` : `Basic ${b64(`bot:${leak}`)}` },
    message: `Deploy preview ${i} for branch agent/feature-${i}: bump dependencies and fix the flaky login test`
  },
  policy_results: [
    { policy: "dont_push_to_main", passed: true, reason: "Branch is not main" },
    { policy: "no_secrets_in_payload", passed: true, reason: "No credential found" },
    { policy: "code_freeze_active", passed: true, reason: "No freeze in effect" }
  ],
  decision: "PASS",
  actions_taken: [
    {
      action: "create_branch",
      system: "github",
      success: true,
      output: { ref: `refs/heads/agent/feature-${i}`, sha: `${(i * 2654435761 >>> 0).toString(16)}a1b2c3d4e5f6` },
      rollback_data: { action: "delete_branch", args: { ref: `refs/heads/agent/feature-${i}` } },
      already_done: false
    },
    {
      action: "open_pull_request",
      system: "github",
      success: true,
      output: { number: 1000 + i, html_url: `https://github.com/acme/app/pull/${1000 + i}` },
      rollback_data: { action: "close_pull_request", args: { number: 1000 + i } },
      already_done: false
    }
  ],
  timestamp: new Date(Date.UTC(2026, 10, 21, 10, 0, i % 60)).toISOString()
})

const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

const measure = (name: string, run: (i: number) => unknown): void => {
  for (let i = 0; i < WARMUP; i++) run(i)
  const times: Array<number> = []
  let sink = 0
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    const out = run(i)
    times.push(performance.now() - t0)
    if (out !== undefined) sink++
  }
  times.sort((a, b) => a - b)
  const mean = times.reduce((a, b) => a + b, 0) / times.length
  const us = (ms: number) => (ms * 1000).toFixed(2).padStart(8)
  console.log(`${name.padEnd(28)} p50 ${us(percentile(times, 0.5))} µs  p99 ${us(percentile(times, 0.99))} µs  mean ${us(mean)} µs${sink === N ? "" : " !"}`)
}

const clean = Array.from({ length: VARIANTS }, (_, i) => receiptLike(i, undefined))
console.log(`value size: ${JSON.stringify(clean[0]).length} bytes of JSON; N=${N}`)

for (const count of [0, 1, 5]) {
  const secrets = SECRETS.slice(0, count)
  const scrubber = Redact.makeScrubber(secrets)
  measure(`${count} secrets, clean`, (i) => scrubber.value(clean[i % VARIANTS]))
  if (count > 0) {
    const leaking = Array.from({ length: VARIANTS }, (_, i) => receiptLike(i, secrets[i % count]))
    const probe = JSON.stringify(scrubber.value(leaking[0]))
    if (probe.includes(b64(`bot:${secrets[0]}`).slice(8, 20))) throw new Error("bench value was not redacted")
    measure(`${count} secrets, hit`, (i) => scrubber.value(leaking[i % VARIANTS]))
    measure(`${count} secrets, build`, (i) => Redact.makeScrubber(secrets.map((s) => s + (i % VARIANTS))))
  }
}
