import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import * as Fs from "../../policies/filesystem.ts"
import * as Policy from "../../src/Policy.ts"
import { assertAlwaysDecides, policyHarness } from "../support/policies.ts"

const { ctx, verdict, blocks, passes } = policyHarness({ workflow: "files.write_file", wrap: (path) => ({ path }) })

describe("dont_delete_file", () => {
  it("always blocks, with or without a path", () => {
    assert.include(verdict(Fs.dontDeleteFile, {}).reason.toLowerCase(), "deletion")
    blocks(Fs.dontDeleteFile, "logs/old.log")
    assert.strictEqual(Fs.dontDeleteFile.name, "dont_delete_file")
  })
})

describe("restrict_paths", () => {
  const policy = Fs.restrictPaths(["/workspace/project", "/tmp/scratch"])

  it("passes paths inside any allowed directory, and the directory itself", () => {
    passes(policy, "/workspace/project/src/main.py")
    passes(policy, "/tmp/scratch/notes.txt")
    passes(policy, "/workspace/project")
  })

  it("blocks paths outside, naming the path", () => {
    assert.include(blocks(policy, "/etc/passwd"), "'/etc/passwd'")
  })

  it("blocks traversal that escapes an allowed directory", () => {
    assert.include(blocks(policy, "/workspace/project/../../etc/passwd"), "resolves to '/etc/passwd'")
    blocks(policy, "/workspace/project/src/../../other")
  })

  it("matches component-wise: a sibling sharing a prefix is outside", () => {
    blocks(policy, "/workspace/project-evil/x")
    blocks(policy, "/workspace/projectx")
  })

  it("resolves relative paths against cwd, which defaults to /", () => {
    blocks(policy, "src/main.py")
    const inProject = Fs.restrictPaths(["/workspace/project"], { cwd: "/workspace/project" })
    passes(inProject, "src/main.py")
    passes(inProject, "./src//main.py")
    blocks(inProject, "../other/x")
    blocks(inProject, "src/../../../etc/passwd")
  })

  it("is case-sensitive (POSIX)", () => blocks(policy, "/Workspace/project/a"))

  it("requires every reading to be inside: backslash and percent-encoded traversal block", () => {
    blocks(policy, "/workspace/project/..\\..\\etc\\passwd")
    blocks(policy, "/workspace/project/%2e%2e/%2e%2e/etc/passwd")
    blocks(policy, "/workspace/project/%252e%252e/%252e%252e/etc")
    blocks(policy, "/etc\\..\\workspace\\project\\x")
  })

  it("checks every path of an array", () => {
    passes(policy, ["/workspace/project/a", "/tmp/scratch/b"])
    blocks(policy, ["/workspace/project/a", "/etc/b"])
  })

  it("blocks everything when the list is empty", () => {
    assert.include(blocks(Fs.restrictPaths([]), "/workspace/file.txt"), "no directories are allowed")
  })

  it("passes when the path is absent or empty", () => {
    passes(policy, undefined)
    passes(policy, "")
  })

  it("blocks wrong types and NUL bytes (fail closed)", () => {
    assert.include(blocks(policy, 5), "must be a string")
    blocks(policy, { p: "/workspace/project/a" })
    assert.include(blocks(policy, "/workspace/project/a\u0000/../../../etc"), "NUL")
  })

  it("resolves symbolic links when given realpath", () => {
    const links: Record<string, string> = { "/workspace/project/link": "/etc", "/workspace/project": "/workspace/project" }
    const realpath = (p: string) => {
      for (const [from, to] of Object.entries(links)) {
        if (p === from || p.startsWith(`${from}/`)) return to + p.slice(from.length)
      }
      throw new Error("ENOENT")
    }
    const linked = Fs.restrictPaths(["/workspace/project"], { realpath })
    assert.include(blocks(linked, "/workspace/project/link/passwd"), "'/etc/passwd'")
    passes(linked, "/workspace/project/new-file.txt")
  })
})

describe("block_extensions", () => {
  const policy = Fs.blockExtensions([".env", ".key", ".pem"])

  it("blocks listed extensions and names the extension", () => {
    assert.include(blocks(policy, "/workspace/id_rsa.key"), "'.key'")
    blocks(policy, "certs/server.pem")
  })

  it("blocks dotfiles like .env whose whole name is the extension", () => blocks(policy, "/workspace/.env"))

  it("is case-insensitive and ignores trailing dots and spaces", () => {
    blocks(policy, "/workspace/.ENV")
    blocks(policy, "SERVER.Pem")
    blocks(policy, "server.pem.")
    blocks(policy, "server.pem ")
  })

  it("accepts extensions written without a dot", () => blocks(Fs.blockExtensions(["pem"]), "a.pem"))

  it("passes other files and look-alikes", () => {
    passes(policy, "/workspace/main.py")
    passes(policy, "/workspace/monkey")
    passes(policy, "/workspace/.envrc")
    passes(policy, "/workspace/pem")
  })

  it("passes everything with an empty list, and when absent", () => {
    passes(Fs.blockExtensions([]), "/workspace/.env")
    passes(policy, undefined)
  })
})

describe("dont_edit_gitignore", () => {
  it("blocks .gitignore at any depth and in any case", () => {
    assert.include(blocks(Fs.dontEditGitignore, ".gitignore"), "version control")
    blocks(Fs.dontEditGitignore, "/repo/sub/.gitignore")
    blocks(Fs.dontEditGitignore, "/repo/.GITIGNORE")
    blocks(Fs.dontEditGitignore, "/repo/.git/info/exclude")
  })

  it("passes other files", () => {
    passes(Fs.dontEditGitignore, "docs/gitignore.md")
    passes(Fs.dontEditGitignore, ".gitattributes")
  })
})

describe("dont_read_env", () => {
  it("blocks .env, .env.* and *.env in any case", () => {
    for (const p of [".env", ".env.local", ".env.production", "config/.ENV", "/app/.Env.Test", "prod.env", "PROD.ENV"]) {
      blocks(Fs.dontReadEnv, p)
    }
  })

  it("blocks the process environment in /proc", () => {
    blocks(Fs.dontReadEnv, "/proc/self/environ")
    blocks(Fs.dontReadEnv, "/proc/1234/task/1234/environ")
  })

  it("regression: .. in the path does not hide the env file", () => blocks(Fs.dontReadEnv, "src/../.env"))

  it("passes look-alikes", () => {
    passes(Fs.dontReadEnv, "src/environment.ts")
    passes(Fs.dontReadEnv, ".envrc")
    passes(Fs.dontReadEnv, "env/config.json")
  })
})

describe("dont_touch_ci_cd", () => {
  it("blocks pipeline files by name", () => {
    for (const p of ["Dockerfile", "Dockerfile.prod", "api.dockerfile", "Containerfile", "docker-compose.yml", "docker-compose.prod.yaml", "compose.yaml", ".gitlab-ci.yml", ".travis.yml", "Jenkinsfile", "fly.toml", "azure-pipelines.yml", "bitbucket-pipelines.yml"]) {
      blocks(Fs.dontTouchCiCd, p)
    }
  })

  it("blocks files in pipeline folders", () => {
    assert.include(blocks(Fs.dontTouchCiCd, ".github/workflows/ci.yml"), ".github/workflows/")
    blocks(Fs.dontTouchCiCd, "./.github/workflows/deploy.yml")
    blocks(Fs.dontTouchCiCd, ".github/actions/setup/action.yml")
    blocks(Fs.dontTouchCiCd, ".circleci/config.yml")
    blocks(Fs.dontTouchCiCd, ".github/workflows")
  })

  it("regression: absolute paths into pipeline folders are blocked", () => {
    blocks(Fs.dontTouchCiCd, "/home/runner/repo/.github/workflows/ci.yml")
    blocks(Fs.dontTouchCiCd, "/srv/app/.circleci/config.yml")
    blocks(Fs.dontTouchCiCd, "/srv/app/Dockerfile")
  })

  it("blocks traversal, backslash and case variants", () => {
    blocks(Fs.dontTouchCiCd, "src/../.github/workflows/ci.yml")
    blocks(Fs.dontTouchCiCd, "repo\\.github\\workflows\\ci.yml")
    blocks(Fs.dontTouchCiCd, "/repo/.GitHub/Workflows/ci.yml")
    blocks(Fs.dontTouchCiCd, "DOCKERFILE")
  })

  it("passes ordinary files, including ones that only look similar", () => {
    passes(Fs.dontTouchCiCd, "src/main.py")
    passes(Fs.dontTouchCiCd, ".github/CODEOWNERS")
    passes(Fs.dontTouchCiCd, "src/github/workflows.ts")
    passes(Fs.dontTouchCiCd, "docs/docker.md")
    passes(Fs.dontTouchCiCd, ".github/workflows/../README.md")
  })
})

describe("dont_access_home_dir", () => {
  const policy = Fs.dontAccessHomeDir({ cwd: "/srv/app" })

  it("blocks home shorthands: ~, ~user, $HOME", () => {
    assert.include(blocks(policy, "~"), "(~)")
    blocks(policy, "~/.ssh/id_rsa")
    assert.include(blocks(policy, "~bob/.bashrc"), "~bob")
    blocks(policy, "$HOME/.aws/credentials")
    blocks(policy, "${HOME}/x")
    blocks(policy, "%7E/x")
  })

  it("blocks /root, /home/*, /Users/* and /home itself", () => {
    blocks(policy, "/root")
    blocks(policy, "/root/.bashrc")
    assert.include(blocks(policy, "/home/alice/notes.txt"), "inside a home directory")
    blocks(policy, "/home")
    blocks(policy, "/Users/bob/Library")
  })

  it("regression: relative paths are resolved (../../home/x)", () => {
    assert.include(blocks(policy, "../../home/x"), "resolves to '/home/x'")
    blocks(policy, "../../../../root/.ssh")
    blocks(policy, "/tmp/../home/alice")
    blocks(policy, "//home//alice")
  })

  it("blocks a configured home directory", () => {
    const agent = Fs.dontAccessHomeDir({ home: "/var/lib/agent" })
    blocks(agent, "/var/lib/agent/.config/token")
    passes(agent, "/var/lib/other")
  })

  it("passes paths outside homes, component-wise", () => {
    passes(policy, "/srv/app/src/main.py")
    passes(policy, "src/main.py")
    passes(policy, "/homework/a")
    passes(policy, "/rooted/x")
    passes(policy, "/tmp/~/x")
  })
})

describe("filesystem policies through the gate", () => {
  const all = [
    Fs.dontDeleteFile,
    Fs.restrictPaths(["/workspace"]),
    Fs.blockExtensions([".pem"]),
    Fs.dontEditGitignore,
    Fs.dontReadEnv,
    Fs.dontTouchCiCd,
    Fs.dontAccessHomeDir()
  ]

  it.effect("records each verdict under its snake_case name", () =>
    Effect.gen(function*() {
      const results = yield* Policy.evaluate(all, ctx({ path: "/workspace/../home/alice/.env" }))
      assert.deepStrictEqual(results.map((r) => [r.policy, r.passed]), [
        ["dont_delete_file", false],
        ["restrict_paths", false],
        ["block_extensions", true],
        ["dont_edit_gitignore", true],
        ["dont_read_env", false],
        ["dont_touch_ci_cd", true],
        ["dont_access_home_dir", false]
      ])
    }))

  it("never throws on arbitrary payloads", () => {
    assertAlwaysDecides(all, fc.oneof(fc.anything(), fc.record({ path: fc.anything() })), verdict)
  })
})

describe("regressions found by the corpus", () => {
  it("an NTFS ::$DATA stream suffix does not hide the file name", () => {
    blocks(Fs.dontReadEnv, "/workspace/.env::$DATA")
    blocks(Fs.blockExtensions([".pem"]), "C:\\certs\\server.pem::$DATA")
    blocks(Fs.dontEditGitignore, "/repo/.gitignore::$data")
    passes(Fs.dontReadEnv, "/workspace/notes::$DATA")
  })
})
