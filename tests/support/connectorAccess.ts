/**
 * The one place tests reach a connector's action and inverse definitions. On this branch a connector
 * is a plain object and this returns it; once handles become opaque, this looks the definition up in the
 * engine's registry instead, and no test changes.
 *
 * @example
 * ```ts
 * import { definitionOf } from "./support/connectorAccess.ts"
 * const isMutating = (c: Connector) => definitionOf(c).actions["write_file"]?.mutating
 * ```
 * @module
 */
import type { ActionDef, Connector, Inverse } from "../../src/Connector.ts"

/** The actions and inverses behind a connector handle. */
export const definitionOf = (
  connector: Connector
): { readonly actions: Readonly<Record<string, ActionDef>>; readonly inverses: Readonly<Record<string, Inverse>> } =>
  connector
