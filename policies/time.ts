/**
 * Time policies: a maintenance window in an IANA time zone, judged at the run's start time
 * (`ctx.now`), and a code freeze switched by the `ENACT_FREEZE` setting, read through Effect `Config`
 * at evaluation time.
 *
 * @example
 * ```ts
 * import * as Time from "./time.ts"
 * const policies = [Time.withinMaintenanceWindow("22:00", "02:00", { timeZone: "Europe/Berlin" }), Time.codeFreezeActive]
 * ```
 * @module
 */
import { Config, Effect } from "effect"
import * as Policy from "../src/Policy.ts"

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/

const minutesOf = (hhmm: unknown, which: string): number => {
  const m = typeof hhmm === "string" ? HH_MM.exec(hhmm) : null
  if (m === null) {
    throw new TypeError(`Cannot build within_maintenance_window: ${which} must be "HH:MM" (00:00-23:59), got ${JSON.stringify(hhmm)}`)
  }
  return Number(m[1]) * 60 + Number(m[2])
}

const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
  } catch {
    throw new TypeError(`Cannot build within_maintenance_window: '${timeZone}' is not an IANA time zone`)
  }
}

/** Options of `withinMaintenanceWindow`. */
export interface MaintenanceWindowOptions {
  /** IANA time zone the window is written in (default `"UTC"`). */
  readonly timeZone?: string
}

/**
 * Allows runs only inside a daily window, start inclusive and end exclusive, in the given IANA time
 * zone; a window whose end is before its start crosses midnight. Throws when built with a malformed
 * time, an unknown zone, or start equal to end (an empty or full-day window is a configuration error).
 *
 * @example
 * ```ts
 * import { withinMaintenanceWindow } from "./time.ts"
 * const policy = withinMaintenanceWindow("22:00", "02:00", { timeZone: "Europe/Berlin" }) // 23:30 and 01:59 Berlin pass, 02:00 blocks
 * ```
 */
export const withinMaintenanceWindow = (start: string, end: string, options: MaintenanceWindowOptions = {}): Policy.Policy => {
  const from = minutesOf(start, "start")
  const to = minutesOf(end, "end")
  if (from === to) {
    throw new TypeError(`Cannot build within_maintenance_window: start and end are both ${start}; a window must have two different ends`)
  }
  const timeZone = options.timeZone ?? "UTC"
  const formatter = formatterFor(timeZone)
  const window = `${start}-${end} (${timeZone})`
  // Wall-clock minutes of the last UTC minute seen: every zone offset since 1972 is a whole number of
  // minutes, so all instants of one UTC minute share a local minute, and formatting (the costly part)
  // runs once a minute. Not history: the result depends only on the instant.
  let cachedMinute = Number.NaN
  let cachedLocal = 0
  const localMinutes = (date: Date): number => {
    const utcMinute = Math.floor(date.getTime() / 60_000)
    if (utcMinute !== cachedMinute) {
      let hour = 0
      let minute = 0
      for (const part of formatter.formatToParts(date)) {
        if (part.type === "hour") hour = Number(part.value) % 24
        else if (part.type === "minute") minute = Number(part.value)
      }
      cachedMinute = utcMinute
      cachedLocal = hour * 60 + minute
    }
    return cachedLocal
  }
  return Policy.make("within_maintenance_window", (ctx) => {
    if (Number.isNaN(ctx.now.getTime())) return Policy.fail("The run has no valid start time, so the maintenance window cannot be checked")
    const now = localMinutes(ctx.now)
    const inside = from < to ? from <= now && now < to : now >= from || now < to
    const clock = `${String(Math.floor(now / 60)).padStart(2, "0")}:${String(now % 60).padStart(2, "0")}`
    return inside
      ? Policy.pass(`Run time ${clock} is inside the maintenance window ${window}`)
      : Policy.fail(`Run time ${clock} is outside the maintenance window ${window}`)
  })
}

const FREEZE_ON = new Set(["1", "true", "yes"])
const FREEZE = Config.option(Config.String("ENACT_FREEZE"))

/**
 * Blocks every run while the `ENACT_FREEZE` setting is 1, true or yes (any case), read at evaluation
 * time from the current `ConfigProvider` (the environment by default).
 *
 * @example
 * ```ts
 * import { codeFreezeActive } from "./time.ts"
 * const policies = [codeFreezeActive] // ENACT_FREEZE=TRUE blocks; unset, "", "0" or "no" pass
 * ```
 */
export const codeFreezeActive: Policy.Policy = Policy.make("code_freeze_active", () =>
  FREEZE.pipe(
    Effect.map((value) => {
      if (value._tag === "None") return Policy.pass("No code freeze: ENACT_FREEZE is not set")
      const setting = value.value.trim()
      return FREEZE_ON.has(setting.toLowerCase())
        ? Policy.fail(`A code freeze is active (ENACT_FREEZE=${setting}); no agent actions are allowed`)
        : Policy.pass(`No code freeze: ENACT_FREEZE is '${setting}'`)
    }),
    Effect.catch((e) => Effect.succeed(Policy.fail(`Cannot read ENACT_FREEZE, so a code freeze cannot be ruled out: ${e.message}`)))
  ))
