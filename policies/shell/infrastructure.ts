/**
 * Shell-guard policies for infrastructure: `terraform destroy`, destructive ORM schema pushes, recursive
 * bucket deletes, cloud identity deletion, Kubernetes namespace deletion, container volume deletion and
 * DNS deletion. A word these commands read that is not known before the command runs (`$X`, `$(…)`) in
 * a position that decides what they do blocks too: the guard cannot tell it is harmless.
 *
 * @example
 * ```ts
 * import { blockTerraformDestroy } from "./infrastructure.ts"
 * // "terraform destroy -auto-approve" and "terraform apply -destroy" block; "terraform plan" passes
 * const policies = [blockTerraformDestroy]
 * ```
 * @module
 */
import type * as Policy from "../../src/Policy.ts"
import { type Command, hasOption, optionValues, positionals, programName, shown } from "./model.ts"
import { runsPackages, toolArgv } from "./packages.ts"
import { type Allow, eachCommand, NO_ALLOW, shellPolicy, wild, wildWord } from "./policy.ts"

const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

/** Whether `seq` appears contiguously in `words`. */
const hasRun = (words: ReadonlyArray<string>, ...seq: ReadonlyArray<string>): boolean => {
  for (let i = 0; i + seq.length <= words.length; i++) if (seq.every((s, k) => words[i + k] === s)) return true
  return false
}

/** A reason naming the unknown word that keeps the guard from telling what `c` does. */
const unknownWord = (c: Command, word: string, what: string): string =>
  `${shown(c)} has an argument that is not known until it runs ('${word.replaceAll("\uE000", "$…")}'), so it may ${what}`

const TERRAFORM = set("terraform tofu terragrunt")

/** Tools other than terraform whose command words tear a stack down. */
const TEARDOWN: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["pulumi", set("destroy down")], ["cdk", set("destroy")], ["cdktf", set("destroy")], ["serverless", set("remove")], ["sls", set("remove")],
  ["sst", set("remove")], ["eb", set("terminate")], ["copilot", set("delete")], ["amplify", set("delete")]
])

/** The plan files `terraform plan -destroy -out=…` wrote earlier in the command. */
const destroyPlans = (commands: ReadonlyArray<Command>): ReadonlySet<string> => {
  const plans = new Set<string>()
  for (const c of commands) {
    if (!TERRAFORM.has(c.name) || !positionals(c.args).slice(0, 2).includes("plan")) continue
    if (!c.args.some((x) => /^--?destroy(?:=true)?$/.test(x))) continue
    for (let i = 0; i < c.args.length; i++) {
      const w = c.args[i]!
      if (w === "-out" || w === "--out") plans.add(c.args[i + 1] ?? "")
      else if (w.startsWith("-out=") || w.startsWith("--out=")) plans.add(w.slice(w.indexOf("=") + 1))
    }
  }
  return plans
}

/** Why one command destroys infrastructure, if it does (`plans`: destroy plans written earlier). */
const destroys = (c: Command, plans: ReadonlySet<string>): string | undefined => {
  const teardown = TEARDOWN.get(c.name)
  if (!TERRAFORM.has(c.name) && teardown === undefined) return undefined
  const a = c.args
  const w = wildWord(a)
  if (w !== undefined) return unknownWord(c, w, "destroy infrastructure")
  const p = positionals(a)
  if (teardown !== undefined) return p.slice(0, 2).some((x) => teardown.has(x)) ? `${shown(c)} destroys infrastructure; run it by hand after review` : undefined
  const destroyFlag = a.some((x) => /^--?destroy(?:=true)?$/.test(x))
  const apply = p.slice(0, 2).includes("apply")
  if (p.slice(0, 2).includes("destroy") || (apply && destroyFlag)) return `${shown(c)} destroys infrastructure; run it by hand after review`
  const plan = apply ? p.find((x) => plans.has(x)) : undefined
  return plan === undefined ? undefined : `${shown(c)} applies ${plan}, a destroy plan made earlier in the command`
}

/** Makes `block_terraform_destroy` with allowances. */
export const makeBlockTerraformDestroy = (allow: Allow = NO_ALLOW): Policy.Policy =>
  shellPolicy("block_terraform_destroy", "No infrastructure destroy in the command", (commands) => {
    let plans: ReadonlySet<string> | undefined
    for (const c of commands) {
      if (!TERRAFORM.has(c.name) && !TEARDOWN.has(c.name)) continue
      plans ??= destroyPlans(commands)
      const reason = destroys(c, plans)
      if (reason !== undefined) return reason
    }
    return undefined
  }, allow)

/**
 * Blocks tearing infrastructure down: `terraform destroy`, `terraform apply -destroy`, applying a destroy
 * plan made earlier in the command (OpenTofu and Terragrunt `run-all destroy` too), `pulumi destroy`/`down`,
 * `cdk destroy`, `cdktf destroy`, `serverless remove`, `sst remove`, `eb terminate`, `copilot … delete`;
 * `terraform plan -destroy` alone passes: `blockTerraformDestroy`.
 */
export const blockTerraformDestroy: Policy.Policy = makeBlockTerraformDestroy()

const ORM_DB_PUSH_FLAGS = ["force-reset", "accept-data-loss"]

/** Makes `block_orm_force_push` with allowances. */
export const makeBlockOrmForcePush = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_orm_force_push", "No destructive ORM schema push in the command", (c) => {
    if (!runsPackages(c) && c.name !== "prisma" && c.name !== "drizzle-kit" && !c.name.startsWith("typeorm")) return undefined
    const tool = toolArgv(c)
    const name = programName(tool[0])
    const a = tool.slice(1)
    if (name !== "prisma" && name !== "drizzle-kit" && !name.startsWith("typeorm")) return undefined
    const w = wildWord(a)
    if (w !== undefined) return unknownWord(c, w, "drop data in a schema push")
    const p = positionals(a)
    if (name === "prisma") {
      if (p[0] === "db" && p[1] === "push" && hasOption(a, undefined, ...ORM_DB_PUSH_FLAGS)) return `${shown(c)} lets Prisma drop data to match the schema`
      if (p[0] === "migrate" && p[1] === "reset") return `${shown(c)} drops and recreates the database`
    }
    if (name === "drizzle-kit" && p[0]?.startsWith("push") === true && hasOption(a, undefined, "force")) {
      return `${shown(c)} auto-approves data loss in a Drizzle schema push`
    }
    if (name.startsWith("typeorm") && p[0] === "schema:drop") return `${shown(c)} drops the whole database schema`
    return undefined
  }, allow)

/**
 * Blocks ORM schema pushes that may drop data: `prisma db push --force-reset` / `--accept-data-loss`,
 * `prisma migrate reset`, `drizzle-kit push --force`, `typeorm schema:drop`, through npx/pnpm/yarn/bunx
 * too: `blockOrmForcePush`.
 */
export const blockOrmForcePush: Policy.Policy = makeBlockOrmForcePush()

const AWS_VALUED = set("--profile --region --endpoint-url --output --query --color --ca-bundle --cli-read-timeout --cli-connect-timeout --cli-binary-format")
/** The positional words of an `aws` command (its service and operation first). */
export const awsWords = (c: Command): ReadonlyArray<string> => (c.name === "aws" ? positionals(c.args, AWS_VALUED) : [])

const STORAGE_CLIS = set("aws gsutil gcloud s3cmd rclone az")
const DELETING = set("rm rb del delete purge delete-objects delete-batch")

/** Makes `block_s3_recursive_delete` with allowances. */
export const makeBlockS3RecursiveDelete = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_s3_recursive_delete", "No recursive bucket delete in the command", (c) => {
    if (!STORAGE_CLIS.has(c.name)) return undefined
    const a = c.args
    const p = c.name === "aws" ? awsWords(c) : positionals(a)
    const head = p.slice(0, 3).find(wild)
    if (head !== undefined || (p.some((w) => DELETING.has(w)) && wildWord(a) !== undefined)) {
      return unknownWord(c, head ?? wildWord(a)!, "delete a bucket or every object under a prefix")
    }
    const recursive = hasOption(a, "r", "recursive") || hasOption(a, "R")
    const hit = (hasRun(p, "s3", "rm") && hasOption(a, undefined, "recursive")) ||
      (hasRun(p, "s3", "rb") && hasOption(a, undefined, "force")) || hasRun(p, "s3api", "delete-objects") ||
      (c.name === "gsutil" && p.some((w) => (w === "rm" && (recursive || p.some((x) => x.includes("**")))) || (w === "rb" && hasOption(a, "f")))) ||
      (c.name === "gcloud" && hasRun(p, "storage", "rm") && recursive) ||
      (c.name === "s3cmd" && ["del", "rm", "rb"].includes(p[0] ?? "") && (recursive || hasOption(a, "f", "force"))) ||
      (c.name === "rclone" && ["purge", "delete"].includes(p[0] ?? "")) ||
      (c.name === "az" && hasRun(p, "blob", "delete-batch"))
    return hit ? `${shown(c)} deletes a bucket or every object under a prefix` : undefined
  }, allow)

/**
 * Blocks recursive bucket deletes: `aws s3 rm --recursive`, `aws s3 rb --force`, `aws s3api delete-objects`,
 * `gsutil rm -r` (or `**`), `gcloud storage rm -r`, `s3cmd del -r`, `rclone purge/delete`,
 * `az storage blob delete-batch`: `blockS3RecursiveDelete`.
 */
export const blockS3RecursiveDelete: Policy.Policy = makeBlockS3RecursiveDelete()

/** Makes `block_iam_user_deletion` with allowances. */
export const makeBlockIamUserDeletion = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_iam_user_deletion", "No IAM user deletion in the command", (c) => {
    if (c.name !== "aws" && c.name !== "gcloud" && c.name !== "az") return undefined
    const p = c.name === "aws" ? awsWords(c) : positionals(c.args)
    const head = p.slice(0, 4).find(wild)
    if (head !== undefined && p.some((w) => w === "iam" || w === "ad" || wild(w))) return unknownWord(c, head, "delete a cloud identity")
    const hit = hasRun(p, "iam", "delete-user") || hasRun(p, "iam", "service-accounts", "delete") ||
      hasRun(p, "ad", "user", "delete") || hasRun(p, "ad", "sp", "delete")
    return hit ? `${shown(c)} deletes a cloud identity, which can lock people and services out` : undefined
  }, allow)

/**
 * Blocks deleting cloud identities: `aws iam delete-user`, `gcloud iam service-accounts delete`,
 * `az ad user delete`, `az ad sp delete`: `blockIamUserDeletion`.
 */
export const blockIamUserDeletion: Policy.Policy = makeBlockIamUserDeletion()

const KUBECTL_VALUED = set(
  "-n --namespace --context --cluster --user --kubeconfig -l --selector -f --filename -o --output -s --server --as --as-group --field-selector --grace-period --timeout -c --container --cascade"
)
const NAMESPACE_KINDS = set("ns namespace namespaces project projects")

/** Makes `block_kubectl_namespace_delete` with allowances. */
export const makeBlockKubectlNamespaceDelete = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_kubectl_namespace_delete", "No namespace deletion in the command", (c) => {
    let argv = c.argv
    if ((c.name === "k3s" || c.name === "microk8s") && argv[1] === "kubectl") argv = argv.slice(1)
    else if (c.name !== "kubectl" && c.name !== "oc" && c.name !== "microk8s.kubectl") return undefined
    const name = programName(argv[0])
    if (name !== "kubectl" && name !== "oc" && name !== "microk8s.kubectl") return undefined
    const p = positionals(argv.slice(1), KUBECTL_VALUED)
    const head = p.slice(0, 2).find(wild)
    if (head !== undefined || (p[0] === "delete" && wildWord(argv) !== undefined)) return unknownWord(c, head ?? wildWord(argv)!, "delete a namespace")
    if (p[0] !== "delete") return undefined
    if (hasOption(argv.slice(1), "f", "filename") || hasOption(argv.slice(1), "k", "kustomize")) {
      return `${shown(c)} deletes what a manifest names, which may be a namespace the guard cannot see`
    }
    if (p[1] === undefined) return undefined
    const kinds = p[1].toLowerCase().split(",").map((k) => k.split("/")[0]!)
    return kinds.some((k) => NAMESPACE_KINDS.has(k)) ? `${shown(c)} deletes a namespace and everything in it` : undefined
  }, allow)

/** Blocks `kubectl delete namespace …` (`ns`, `ns/x`, `ns,deploy`, `oc delete project`, `-f` manifests): `blockKubectlNamespaceDelete`. */
export const blockKubectlNamespaceDelete: Policy.Policy = makeBlockKubectlNamespaceDelete()

const DOCKER_VALUED = set("-H --host --context -c --config -l --log-level -f --file -p --project-name --profile --env-file --project-directory --filter")
const VOLUME_WORDS = set("volume system compose down prune")

/** Makes `block_docker_volume_prune` with allowances. */
export const makeBlockDockerVolumePrune = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_docker_volume_prune", "No volume deletion in the command", (c) => {
    if (c.name !== "docker" && c.name !== "podman" && c.name !== "nerdctl" && c.name !== "docker-compose") return undefined
    const a = c.args
    const p = positionals(a, DOCKER_VALUED)
    const head = p[0] !== undefined && wild(p[0]) ? p[0] : VOLUME_WORDS.has(p[0] ?? "") && p[1] !== undefined && wild(p[1]) ? p[1] : undefined
    if (head !== undefined || (VOLUME_WORDS.has(p[0] ?? "") && wildWord(a) !== undefined)) {
      return unknownWord(c, head ?? wildWord(a)!, "delete container volumes")
    }
    const hit = (p[0] === "volume" && ["prune", "rm", "remove"].includes(p[1] ?? "")) ||
      (hasRun(p, "system", "prune") && hasOption(a, undefined, "volumes")) ||
      ((c.name === "docker-compose" || p[0] === "compose") && p.includes("down") && hasOption(a, "v", "volumes"))
    return hit ? `${shown(c)} deletes container volumes and the data in them` : undefined
  }, allow)

/**
 * Blocks deleting container volumes: `docker volume prune/rm`, `docker system prune --volumes`,
 * `docker compose down -v` (podman and nerdctl too): `blockDockerVolumePrune`.
 */
export const blockDockerVolumePrune: Policy.Policy = makeBlockDockerVolumePrune()

/** Makes `block_route53_delete` with allowances. */
export const makeBlockRoute53Delete = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_route53_delete", "No DNS deletion in the command", (c) => {
    if (c.name !== "aws" && c.name !== "gcloud" && c.name !== "az") return undefined
    const aws = awsWords(c)
    const i = aws.indexOf("route53")
    if (i >= 0) {
      const w = wildWord(c.args)
      if (w !== undefined) return unknownWord(c, w, "delete DNS records")
      const op = aws[i + 1] ?? ""
      if (op.startsWith("delete-")) return `${shown(c)} deletes Route53 resources (${op})`
      if (op === "change-resource-record-sets") {
        const batches = optionValues(c.args, undefined, "change-batch")
        if (batches.some((b) => /^fileb?:\/\//.test(b))) return `${shown(c)} applies a change batch from a file that cannot be checked for DELETE actions`
        if (batches.some((b) => /action"?\s{0,20}[:=]\s{0,20}"?delete/i.test(b))) return `${shown(c)} deletes Route53 DNS records`
      }
    }
    if (hasRun(aws, "route53domains", "delete-domain")) return `${shown(c)} deletes a registered domain`
    const p = c.name === "gcloud" || c.name === "az" ? positionals(c.args) : []
    if ((hasRun(p, "dns", "record-sets") || hasRun(p, "dns", "managed-zones") || hasRun(p, "network", "dns")) && p.includes("delete")) {
      return `${shown(c)} deletes DNS zones or records`
    }
    return undefined
  }, allow)

/**
 * Blocks Route53 deletes: `aws route53 delete-*` (hosted zones, records…), `change-resource-record-sets`
 * with a DELETE (or a change batch it cannot read), `route53domains delete-domain`, `gcloud dns … delete`,
 * `az network dns … delete`: `blockRoute53Delete`.
 */
export const blockRoute53Delete: Policy.Policy = makeBlockRoute53Delete()
