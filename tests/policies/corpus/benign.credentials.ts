/**
 * Everyday code and text that mention passwords, tokens and secrets without holding one: variable
 * names, type annotations, environment lookups, placeholders, documentation.
 */
import type { Json } from "../../../src/Model.ts"
import type { Case } from "./hostile.ts"

const content = (value: Json, note: string): Case => ({ category: "credentials", payload: { content: value }, note })
const grep = (pattern: string, note: string): Case => ({ category: "credentials", payload: { grep_pattern: pattern }, note })

export const BENIGN_CREDENTIALS: ReadonlyArray<Case> = [
  content("const password = process.env.DB_PASSWORD", "environment lookup"),
  content("interface Login { email: string; password: string }", "type annotation"),
  content("if (!password) throw new Error('password is required')", "validation message"),
  content("const hash = await bcrypt.hash(password, 12)", "hashing a variable"),
  content("password_hint: 'your first pet'", "a hint, not a password"),
  content("API_KEY=your-api-key-here", ".env template placeholder"),
  content("GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}", "GitHub Actions secret reference"),
  content("export DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app", "URL with a password variable"),
  content("token_type: Bearer\nexpires_in: 3600", "OAuth metadata"),
  content({ max_tokens: 1024, temperature: 0.2 }, "LLM request parameters"),
  content({ NextToken: "eyJwYWdlIjogMn0=", Items: [] }, "AWS pagination token"),
  content("Reset your password at https://example.com/reset", "documentation"),
  content("The secret to good tests is small fixtures.", "the word secret in prose"),
  content("def login(username, password):\n    return check(username, password)", "Python signature"),
  content("kubectl create secret generic app --from-env-file=.env.example", "command naming a secret"),
  content("PWD=/home/dev/project", "the working directory variable"),
  content("Authorization: Bearer <token>", "documented header with a placeholder"),
  grep("TODO|FIXME", "ordinary grep"),
  grep("useEffect\\(", "grep for a hook"),
  grep("def [a-z_]+\\(", "grep for Python functions"),
  grep("[0-9a-f]{40}", "grep for commit hashes")
]
