import { assert, describe, it } from "@effect/vitest"
import canonicalizeImport from "canonicalize"
import fc from "fast-check"
import * as Canonical from "../src/receipt/Canonical.ts"

/** The reference RFC 8785 implementation (its typings do not resolve under NodeNext). */
const canonicalize = canonicalizeImport as unknown as (input: unknown) => string | undefined

/** A double from its IEEE 754 bit pattern (RFC 8785 Appendix B lists numbers that way). */
const fromBits = (hex: string): number => {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt(`0x${hex}`))
  return view.getFloat64(0)
}

describe("Canonical.encode", () => {
  it("matches the reference implementation byte for byte on generated JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.strictEqual(Canonical.encode(value), canonicalize(value))
      }),
      { numRuns: 500 }
    )
  })

  it("matches the reference implementation on values with arbitrary UTF-16 strings (lone surrogates included)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: "binary" }), (value) => {
        assert.strictEqual(Canonical.encode(value), canonicalize(value))
      }),
      { numRuns: 300 }
    )
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: "binary" }), fc.double({ noNaN: true, noDefaultInfinity: true })), (value) => {
        assert.strictEqual(Canonical.encode(value), canonicalize(value))
      }),
      { numRuns: 300 }
    )
  })

  it("does not depend on key insertion order", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse())
        assert.strictEqual(Canonical.encode(reversed), Canonical.encode(value))
      })
    )
  })

  it("serialises numbers as RFC 8785 Appendix B requires", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["0000000000000000", "0"],
      ["8000000000000000", "0"],
      ["0000000000000001", "5e-324"],
      ["8000000000000001", "-5e-324"],
      ["7fefffffffffffff", "1.7976931348623157e+308"],
      ["ffefffffffffffff", "-1.7976931348623157e+308"],
      ["4340000000000000", "9007199254740992"],
      ["c340000000000000", "-9007199254740992"],
      ["4430000000000000", "295147905179352830000"],
      ["44b52d02c7e14af5", "9.999999999999997e+22"],
      ["44b52d02c7e14af6", "1e+23"],
      ["44b52d02c7e14af7", "1.0000000000000001e+23"],
      ["444b1ae4d6e2ef4e", "999999999999999700000"],
      ["444b1ae4d6e2ef4f", "999999999999999900000"],
      ["444b1ae4d6e2ef50", "1e+21"],
      ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
      ["3eb0c6f7a0b5ed8d", "0.000001"],
      ["41b3de4355555553", "333333333.3333332"],
      ["41b3de4355555554", "333333333.33333325"],
      ["41b3de4355555555", "333333333.3333333"],
      ["41b3de4355555556", "333333333.3333334"],
      ["41b3de4355555557", "333333333.33333343"],
      ["becbf647612f3696", "-0.0000033333333333333333"],
      ["43143ff3c1cb0959", "1424953923781206.2"]
    ]
    for (const [bits, expected] of cases) {
      const n = fromBits(bits)
      assert.strictEqual(Canonical.encode(n), expected, bits)
      assert.strictEqual(canonicalize(n), expected, `reference: ${bits}`)
    }
  })

  it("handles tricky numbers the same way as the reference", () => {
    const numbers = [1e21, 1e20, -0, 0.1, 0.2 + 0.1, 1e-7, 1e-6, 123e-20, 2 ** 53 + 2, -1.5, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER]
    for (const n of numbers) assert.strictEqual(Canonical.encode(n), canonicalize(n), String(n))
    assert.strictEqual(Canonical.encode([1e21, -0, 0.1, 1e-7]), "[1e+21,0,0.1,1e-7]")
  })

  it("handles tricky strings the same way as the reference", () => {
    const strings = ["", "é", "\u00e9", "e\u0301", "👋", "\u2028\u2029", "\u0000\u001f\u007f", "\"\\/", "\ud800", "\udfff", "a\ud83dz", "\uffff", "\t\n\r\b\f"]
    for (const s of strings) {
      assert.strictEqual(Canonical.encode(s), canonicalize(s), JSON.stringify(s))
      assert.strictEqual(Canonical.encode({ [s]: s }), canonicalize({ [s]: s }), JSON.stringify(s))
    }
    assert.strictEqual(Canonical.encode("\u000f\n"), "\"\\u000f\\n\"", "control characters use lowercase \\u escapes")
    assert.strictEqual(Canonical.encode("€/"), "\"€/\"", "non-ASCII and '/' are written as is")
  })

  it("reproduces the RFC 8785 section 3.2.2 example", () => {
    const input = {
      numbers: [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
      string: "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"/",
      literals: [null, true, false]
    }
    const expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27]," +
      "\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
    assert.strictEqual(Canonical.encode(input), expected)
    assert.strictEqual(canonicalize(input), expected)
  })

  it("sorts keys by UTF-16 code units (RFC 8785 section 3.2.3 example)", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }
    const text = Canonical.encode(input)
    const positions = ["\\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"].map((k) => text.indexOf(`"${k}":`))
    assert.deepStrictEqual([...positions].sort((a, b) => a - b), positions)
    assert.isFalse(positions.includes(-1))
    assert.strictEqual(text, canonicalize(input))
    // Integer-like keys are ordered as strings, not numerically as JS objects enumerate them.
    assert.strictEqual(Canonical.encode({ "10": 1, "9": 2, "a": 3 }), "{\"10\":1,\"9\":2,\"a\":3}")
  })

  it("writes no whitespace and drops undefined object members like JSON does", () => {
    assert.strictEqual(Canonical.encode({ b: [1, { d: true, c: null }], a: "x" }), "{\"a\":\"x\",\"b\":[1,{\"c\":null,\"d\":true}]}")
    assert.strictEqual(Canonical.encode({ a: undefined, b: 1 }), "{\"b\":1}")
    assert.strictEqual(Canonical.encode([undefined]), "[null]")
  })

  it("refuses NaN, Infinity and non-JSON types", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.throws(() => Canonical.encode(bad), TypeError)
      assert.throws(() => Canonical.encode({ nested: [1, { deep: bad }] }), TypeError)
    }
    assert.throws(() => Canonical.encode(10n), TypeError)
    assert.throws(() => Canonical.encode(undefined), TypeError)
  })

  it("encodeBytes is the UTF-8 encoding of encode", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.deepStrictEqual(Canonical.encodeBytes(value), new TextEncoder().encode(Canonical.encode(value)))
      }),
      { numRuns: 100 }
    )
    assert.deepStrictEqual([...Canonical.encodeBytes({ "é": 1 })], [123, 34, 0xc3, 0xa9, 34, 58, 49, 125])
  })
})
