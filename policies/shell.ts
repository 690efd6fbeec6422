/**
 * Coding-agent shell guard (the public module; the policies live in `shell/`, see `shell/mod.ts` for
 * how commands are read and what is blocked).
 *
 * @example
 * ```ts
 * import * as Shell from "./shell.ts"
 * const policies = Shell.codingAgentShellGuard({ allowPackages: ["zod", "vitest"] })
 * ```
 * @module
 */
export * from "./shell/mod.ts"
