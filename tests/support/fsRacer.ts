/**
 * The attacker of the filesystem race test: a separate process that, for `ms` milliseconds, keeps
 * swapping entries inside `root` between something inside and something in `outside`:
 * - `link` (a symlink) between `real` (inside) and the absolute `outside`;
 * - `dir` between a real directory and a symlink to `outside` (renaming one away, the other in);
 * - `file.txt` between a regular file and a symlink to `outside/secret.txt`;
 * - `hard.txt` between a regular file and a hard link to `outside/secret.txt`.
 * It sets these up, prints `READY`, races, then prints `SWAPS <n>` and exits. Every failed step is
 * ignored: the connector may be renaming things at the same moment.
 * Usage: node fsRacer.ts <root> <outside> <ms>
 */
import * as fs from "node:fs"

const [root, outside, ms] = process.argv.slice(2) as [string, string, string]
const at = (name: string) => `${root}/${name}`
const attempt = (step: () => void): number => {
  try {
    step()
    return 1
  } catch {
    return 0
  }
}
const swapLink = (name: string, target: string) =>
  attempt(() => {
    fs.symlinkSync(target, at(`.tmp-${name}`))
    fs.renameSync(at(`.tmp-${name}`), at(name))
  })

fs.mkdirSync(at("real"), { recursive: true })
fs.writeFileSync(at("real/secret.txt"), "inside real\n")
fs.mkdirSync(at("dir"), { recursive: true })
fs.writeFileSync(at("dir/secret.txt"), "inside dir\n")
fs.writeFileSync(at("dir/victim.txt"), "inside victim\n")
fs.symlinkSync(outside, at(".dir-link"))
fs.symlinkSync("real", at("link"))
fs.writeFileSync(at("file.txt"), "inside file\n")
fs.writeFileSync(at("hard.txt"), "inside hard\n")
console.log("READY")

const end = Date.now() + Number(ms)
let swaps = 0
while (Date.now() < end) {
  swaps += swapLink("link", outside)
  // `dir`: the real directory steps aside and the symlink to outside takes its name, then back.
  swaps += attempt(() => {
    fs.renameSync(at("dir"), at(".dir-real"))
    fs.renameSync(at(".dir-link"), at("dir"))
  })
  swaps += swapLink("file.txt", `${outside}/secret.txt`)
  swaps += attempt(() => {
    fs.rmSync(at(".tmp-hard"), { force: true })
    fs.linkSync(`${outside}/secret.txt`, at(".tmp-hard"))
    fs.renameSync(at(".tmp-hard"), at("hard.txt"))
  })
  swaps += swapLink("link", "real")
  swaps += attempt(() => {
    fs.renameSync(at("dir"), at(".dir-link"))
    fs.renameSync(at(".dir-real"), at("dir"))
  })
  swaps += attempt(() => {
    fs.writeFileSync(at(".tmp-file"), "inside file\n")
    fs.renameSync(at(".tmp-file"), at("file.txt"))
  })
  swaps += attempt(() => {
    fs.writeFileSync(at(".tmp-hard2"), "inside hard\n")
    fs.renameSync(at(".tmp-hard2"), at("hard.txt"))
  })
}
console.log(`SWAPS ${swaps}`)
