/**
 * The shell command model for the database policies (private): a re-export of the model in `shell/`,
 * kept at this path for `_clientSql.ts`.
 *
 * @example
 * ```ts
 * parse("psql -c 'select 1'").commands[0].name // "psql"
 * ```
 * @module
 */
export { type Command, optionValues, positionals, programName, type Script } from "./shell/model.ts"
export { parse } from "./shell/parse.ts"
