import { Schema } from "effect"
const P = Schema.Struct({ path: Schema.String, content: Schema.String, n: Schema.optionalKey(Schema.Number) })
const r = Schema.decodeUnknownExit(P, { onExcessProperty: "error", errors: "all" })({ pth: "x", content: 3, n: "a" })
console.log(String(r))
if (r._tag === "Failure") { const e: any = (r.cause as any).reasons[0].error; console.log(e._tag, e.message); console.log(Object.keys(e), e.issue?._tag) }
