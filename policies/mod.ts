/**
 * The built-in policy library, by category. Each policy's receipt name is the snake_case form of its
 * export (`Git.dontPushToMain` is `dont_push_to_main`); factories take options. `Sets` bundles them for
 * common agents. `Dns` is the resolver service `Url.blockSsrf` asks; its Node layer is in
 * `policies/dnsNode.ts`, which this portable module does not import.
 *
 * @example
 * ```ts
 * import { Policies } from "../mod.ts"
 * const policies = [...Policies.Sets.codingAgent({ workspace: "/workspace" }), Policies.Url.requireHttps]
 * ```
 * @module
 */
export * as Access from "./access.ts"
export * as Credentials from "./credentials.ts"
export * as Crm from "./crm.ts"
export * as Db from "./db.ts"
export * as Dns from "./dns.ts"
export * as Email from "./email.ts"
export * as FileSystem from "./filesystem.ts"
export * as Git from "./git.ts"
export * as PromptInjection from "./promptInjection.ts"
export * as Sets from "./sets.ts"
export * as Shell from "./shell.ts"
export * as Slack from "./slack.ts"
export * as Time from "./time.ts"
export * as Url from "./url.ts"
