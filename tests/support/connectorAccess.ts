/**
 * Reaches a connector's actions and inverses directly, for tests of a connector in isolation. Connector
 * handles hold nothing callable (only the engine may run actions); tests look the definition up in the
 * engine's private registry, exactly as the engine does.
 *
 * @example
 * ```ts
 * import { definitionOf } from "./support/connectorAccess.ts"
 * declare const connector: import("../src/Connector.ts").Connector
 * const prepare = definitionOf(connector).actions["write_file"]?.prepare
 * ```
 * @module
 */
import * as Definitions from "../../src/_connectorDefinitions.ts"
import type { ActionDef, Connector, Inverse } from "../../src/Connector.ts"

/** The actions and inverses behind a connector handle; throws for a value that is not one. */
export const definitionOf = (connector: Connector): {
  readonly actions: Readonly<Record<string, ActionDef>>
  readonly inverses: Readonly<Record<string, Inverse>>
} => {
  const def = Definitions.definitionOf(connector)
  if (def === undefined) throw new TypeError("Not a connector handle built by Connector.make")
  return def
}
