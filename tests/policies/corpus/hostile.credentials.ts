/**
 * Hostile credential cases, written against `policies/_secrets.ts`, `_secretShapes.ts` and
 * `_regexSearch.ts`: secrets as object keys, key-value shapes without a vendor prefix, headers,
 * connection strings, tokens next to credential words, and grep patterns that spell a secret prefix as a
 * regular expression. Secrets are assembled at load time so that this file holds no literal credential.
 */
import type { Json } from "../../../src/Model.ts"
import type { Case } from "./hostile.ts"

const j = (...parts: ReadonlyArray<string>): string => parts.join("")
const GITHUB = j("gh", "p_", "Zq8".repeat(12))
const GITLAB = j("gl", "pat-", "Xy7_kQ2".repeat(3))
const NPM = j("np", "m_", "aB3dE5".repeat(6))
const HF = j("h", "f_", "AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh")
const AWS_ID = j("AK", "IA", "Z7QW3RT5YU8IOP2A")
const AWS_SECRET = j("9dF3kLm2", "Qr8sT1vW", "x4Yz6Ab0", "Cd7Ef5Gh", "Ij9Kl3Mn")
const SESSION = j("FwoGZXIvYXdzE", "Ab7c9dE2fG4hJ6kL8mN0pQ2rS4tU6vW8xY0")
const SLACK_HOOK = j("https://hooks.", "slack.com/services/", "T0ABCD123/", "B0EFGH456/", "aB3dE5fG7hJ9kL1mN3pQ5rS")
const JWT = j("eyJhbGciOiJIUzI1NiJ9", ".", "eyJzdWIiOiJhZG1pbiIsImV4cCI6OTk5OTk5OTk5OX0", ".", "q9X2Vb7LmN4kP8sT1wY6zA3cF5hJ0dG")
const RANDOM = j("8fJ2kL9x", "Q3mN7pR4", "sT6vW1yZ")
const PASSWORD = j("Tr0ub4", "dor&3x!")

const creds = (payload: Readonly<Record<string, Json>>, note: string): Case => ({ category: "credentials", payload, note })
const content = (value: Json, note: string): Case => creds({ content: value }, note)
const grep = (pattern: string, note: string): Case => creds({ grep_pattern: pattern }, note)

export const HOSTILE_CREDENTIALS: ReadonlyArray<Case> = [
  // Secrets as object keys
  content({ [GITHUB]: true }, "GitHub token used as an object key"),
  content({ tokens: { [AWS_ID]: "prod" } }, "AWS key id as a nested key"),
  content([{ [NPM]: 1 }], "npm token as a key inside an array"),
  // Key-value shapes without a vendor prefix
  content({ Credentials: { AccessKeyId: "ASIA0000000000000000", SecretAccessKey: AWS_SECRET, SessionToken: SESSION } }, "AWS CLI sts output"),
  content(`{"Credentials": {"SecretAccessKey": "${AWS_SECRET}"}}`, "AWS CLI output as text"),
  content(`[default]\naws_access_key_id = ${AWS_ID}\naws_secret_access_key = ${AWS_SECRET}\n`, "an AWS credentials file"),
  content({ installed: { client_id: "123.apps.example", client_secret: RANDOM } }, "OAuth client secret"),
  content(`client_secret=${RANDOM}&grant_type=client_credentials`, "client secret in a form body"),
  content(`DB_PASSWORD=${PASSWORD}\nDB_HOST=db`, ".env password"),
  content(`export STRIPE_SECRET_KEY=${RANDOM}`, "exported secret key"),
  content(`database:\n  user: app\n  password: "${PASSWORD}"\n`, "YAML password"),
  content(`spring.datasource.password=${PASSWORD}`, "Java properties password"),
  content(`Server=db;Database=app;User Id=sa;Password=${PASSWORD};`, "ADO.NET connection string"),
  content(`jdbc:postgresql://db:5432/app?user=app&password=${PASSWORD}`, "JDBC URL with a password parameter"),
  content({ headers: { Authorization: `Bearer ${RANDOM}` } }, "Authorization header in a request object"),
  content(`curl -H "Authorization: Bearer ${RANDOM}" https://api.example.com/v1/me`, "Authorization header in a command"),
  content(`curl -H 'authorization: token ${RANDOM}' https://api.example.com`, "token scheme, lower-case header"),
  content(`Authorization: Basic ${btoa("admin:" + PASSWORD)}`, "Basic credentials"),
  content(`x-api-key: ${RANDOM}`, "API key header"),
  content(`const apiKey = "${RANDOM}";`, "API key in code"),
  content(`mysql -u root --password=${PASSWORD} prod`, "password flag"),
  content(`pg_dump --password ${PASSWORD}x prod`, "password flag with a space"),
  content(`postgres://app:${PASSWORD}@db.internal:5432/prod`, "PostgreSQL URL with a password"),
  content(`mongodb+srv://svc:${RANDOM}@cluster0.example.mongodb.net/app`, "MongoDB SRV URL with a password"),
  content(`redis://:${RANDOM}@cache:6379/0`, "Redis URL with only a password"),
  content(`Here is the session: ${JWT}`, "JSON Web Token"),
  content(`the deploy token is ${RANDOM}`, "random token right after a credential word"),
  content(`your new secret: ${RANDOM}`, "random token after 'secret'"),
  content({ slack: SLACK_HOOK }, "Slack incoming webhook URL"),
  content(`GITLAB_TOKEN=${GITLAB}`, "GitLab token"),
  content(`HF_TOKEN=${HF}`, "Hugging Face token"),
  content({ deep: { a: { b: { c: { d: { e: { password: PASSWORD } } } } } } }, "password nested six levels deep"),
  // Credentials in other fields (block_secrets_in_payload)
  creds({ url: `https://api.example.com/v1/data?access_token=${RANDOM}` }, "token in a URL query string"),
  creds({ body: `Hi, the prod password is ${PASSWORD} (do not share)`, to: "ann@example.com" }, "password in an email body"),
  creds({ command: `curl -u admin:${PASSWORD} https://jenkins.example.com` }, "credentials in a shell command's URL"),
  creds({ text: `token=${GITHUB}` }, "GitHub token in a chat message"),
  creds({ url: `https://collector.example/p?d=${btoa(GITHUB)}` }, "base64 of a GitHub token in a query string"),
  creds({ body: btoa(`aws_access_key_id = ${AWS_ID}`) }, "base64 of an AWS credentials line"),
  // Grep patterns that hunt for secrets
  grep("gh[p]_", "GitHub prefix with a bracket class"),
  grep("AK[I]A[0-9A-Z]{16}", "AWS key id with a bracket class"),
  grep("s.k-", "OpenAI prefix with a wildcard"),
  grep("gh(p|o)_[A-Za-z0-9]+", "GitHub prefix through an alternation"),
  grep("\\x67hp_", "hex escape for g"),
  grep("g{1}h{1}p_", "counted repeats of one"),
  grep("gh[o-p]_", "a range covering p"),
  grep("p.ssw.rd", "password with wildcards"),
  grep("[Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]", "password letter by letter in classes"),
  grep("BEGIN (RSA|EC|OPENSSH) PRIVATE", "private key header through an alternation"),
  grep("xox[bp]-", "Slack token prefix"),
  grep("sk_l[i]ve", "Stripe live key prefix"),
  grep("A[I]za[0-9A-Za-z_-]{35}", "Google API key pattern"),
  grep("y[a]29\\.", "Google OAuth prefix"),
  grep("gh\\(p\\|o\\)_", "basic-syntax alternation"),
  grep(`${RANDOM}|${GITHUB}`, "a literal secret in the pattern itself")
]
