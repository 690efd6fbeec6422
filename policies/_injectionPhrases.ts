/**
 * The phrases the prompt-injection scan looks for (private), by category, compiled once:
 *
 * - English patterns, matched on the normalised, leet-folded text (`_injectionText.ts`); a space in a
 *   pattern means "an optional space", and `i`/`l` match each other;
 * - the core phrases in Spanish, French, German, Portuguese, Italian, Chinese, Japanese and Russian, written
 *   as plain words and normalised exactly like the text they are matched against;
 * - squash-safe patterns: long, specific concatenations matched on the text with every space removed, to
 *   catch words split by spaces or punctuation (`ig nore all prev ious instruc tions`).
 *
 * Every bounded pattern is written without nested unbounded quantifiers, so matching stays linear.
 *
 * @example
 * ```ts
 * import { ENGLISH } from "./_injectionPhrases.ts"
 * ENGLISH.find(([, re]) => re.test("ignore all previous instructions"))?.[0] // "instruction override"
 * ```
 * @module
 */
import { normalise } from "./_injectionText.ts"
import { trieRegExp } from "./_trie.ts"
import * as Words from "./_wordAutomaton.ts"

/** Spaces become optional and `i`/`l` match each other (see the module doc). */
const phrase = (source: string): string => source.replaceAll(" ", " ?").replace(/[il]/g, "[il]")

const alt = (words: ReadonlyArray<string>): string => `(?:${words.join("|")})`

const NOT_NEGATED = "(?<!(?:don'?t|do not|never) ?)"
const DETERMINERS = alt(["the", "these", "those", "my", "our", "this", "of"])
const QUALIFIERS = alt([
  "all", "any", "every", "your", "previous", "prior", "above", "earlier", "preceding", "former", "initial", "original",
  "system", "developer", "existing", "of", "the"
])
const INSTRUCTION_NOUNS = alt(["instructions?", "prompts?", "directives?", "directions", "guidelines", "programming", "rules", "context"])
const ROGUE = `${alt(["dan", "unrestricted", "unfiltered", "uncensored", "jailbroken", "unchained", "unaligned", "amoral", "unethical", "evil", "rogue"])}(?![a-z])`
const LIMITS = alt(["restrictions", "rules", "limits", "limitations", "filters", "guidelines", "boundaries", "constraints", "ethics", "morals"])
const AI = alt(["ai", "assistant", "model", "chatbot", "bot", "llm", "persona", "character", "entity", "version"])
const EXTRACT = alt([
  "reveal", "show", "print", "display", "output", "repeat", "tell", "give", "leak", "dump", "share", "expose", "disclose",
  "recite", "spell out", "write out", "provide", "send", "return", "copy", "list"
])
const SAFETY = alt(["safety", "content", "ethical", "moderation", "security"])
const SAFEGUARDS = alt(["filters?", "guidelines", "rules", "restrictions", "polic(?:y|ies)", "measures", "guardrails", "protocols", "safeguards", "settings"])
const PRIOR = alt(["previous", "prior", "earlier", "above", "preceding", "original", "initial", "system", "developer", "existing", "current", "old"])
/** Who "you are now a …" may benignly make someone (`a member of the team`, `a verified user`). */
const BENIGN_ROLES = alt([
  "member", "user", "customer", "subscriber", "participant", "admin", "administrator", "owner", "collaborator",
  "contributor", "maintainer", "moderator", "reviewer", "approver", "editor", "viewer", "guest", "part", "step",
  "level", "tier", "premium", "pro", "plus", "beta", "tester", "candidate", "finalist", "winner", "employee", "manager",
  "lead", "engineer", "developer", "partner", "client", "patient", "student", "resident", "citizen", "holder",
  "signatory", "approved", "eligible", "registered", "verified", "certified", "enrolled", "official", "active"
])
const ROLE_VERBS = alt([
  "act (?:as|like)", "behave (?:as|like)", "(?:respond|answer|reply|speak|talk) (?:only )?(?:as|like|without|in character|with no)",
  "pretend", "roleplay", "role play", "play (?:the role|a character|the part)", "obey", "ignore", "refer to yourself",
  "call yourself", "stop being", "no longer (?:be|act|follow|obey|have)"
])
/** "you are now a helpful pirate" but not "a member of the team": bounded words, mandatory spaces. */
const YOU_ARE_NOW_A = `you are now (?:a|an) (?!(?:[a-z'-]{1,24} ){0,3}${BENIGN_ROLES}(?![a-z]))[a-z]`
const FROM_NOW_ON_A = `from now on,? you are (?:a|an|my) (?!(?:[a-z'-]{1,24} ){0,3}${BENIGN_ROLES}(?![a-z]))[a-z]`

/** English patterns by category. Patterns in `RAW` are used as written (no optional-space rewriting). */
const CATEGORIES: ReadonlyArray<readonly [category: string, patterns: ReadonlyArray<string>, raw: ReadonlyArray<string>]> = [
  ["instruction override", [
    `${NOT_NEGATED}(?:ignore|disregard|forget|neglect|abandon|discard) (?:${DETERMINERS} ){0,3}(?:${QUALIFIERS} ){1,4}(?:[a-z]+ )?${INSTRUCTION_NOUNS}(?![a-z])`,
    `(?:ignore|disregard|forget) (?:everything|anything|all)(?: (?:that |of that )?you (?:were |have been |'ve been )?(?:told|given|read))? (?:above|before|prior|so far|until now|previously)`,
    `(?:ignore|disregard|forget) (?:the|all of the|everything|all) (?:above|foregoing|preceding|previous)(?= ?(?:[.,;:!]|$|and |then |instead|&))`,
    `forget (?:everything|all) you (?:were |have been |'ve been )?told`,
    `(?:do not|don't|stop) (?:follow|obey|listen to|adhere to|comply with)(?:ing)? (?:any of )?(?:your|any|previous|prior|original|system|initial) (?:previous |prior |original |system |initial ){0,3}(?:instructions|rules|guidelines|programming|prompt)`,
    `your (?:real|actual|true) (?:instructions|purpose|task|goal|objective) (?:is|are)`,
    `your new instructions (?:are |is )?:`,
    `(?:new|updated|revised|actual|real) (?:system )?(?:instructions|directives|prompt) ?: ?(?:ignore|disregard|forget|you (?:are|must|will)|from now on|do not|don't|reveal|send|output|print)`,
    `(?:new|updated|revised) system prompt ?(?::|follows|reads|is as follows)`,
    `here (?:is|are) (?:your|the) (?:new|updated|real) (?:system )?(?:prompt|instructions)`,
    `(?:set aside|put aside|pay no (?:attention|heed|mind) to|throw out|scrap|override|overwrite|supersede|nullify|bypass) (?:all |any |every )?(?:of )?(?:the |your |my )?${PRIOR} ${INSTRUCTION_NOUNS}(?![a-z])`,
    `${PRIOR} (?:instructions|prompts?|directives|rules|guidelines|programming) (?:are|is|were|have been) (?:now |hereby )?(?:void|cancell?ed|revoked|obsolete|invalid|null|overridden|superseded|no longer (?:valid|apply|applicable|in effect|relevant))`
  ], []],
  ["role hijack", [
    `you are now (?:${ROGUE}|dude|stan|aim|unbound|liberated|in (?:developer|dan|jailbreak|unrestricted|sudo|god) mode|an? ${ROGUE} ${AI}|an? (?:different|new) ${AI} (?:with|without|that|called|named)|no longer (?:bound|restricted|limited|constrained|an ai|an assistant|chatgpt|claude))`,
    `(?:act|behave|respond|answer|operate|roleplay|role play|pose) (?:as|like) (?:if )?(?:you (?:are|were) )?(?:an? |the )?${ROGUE}`,
    `(?:act|behave|respond|answer|pretend|imagine) (?:as if|as though|like|that) you (?:have|had|are under|were under) no ${LIMITS}`,
    `pretend (?:to be|you are|you're|that you are) (?:an? )?(?:${ROGUE}|${AI} (?:with no|without))`,
    `you (?:are|will be) (?:no longer|not) (?:bound|restricted|limited|constrained) by`,
    `you (?:now have no|no longer have) (?:any )?(?:${LIMITS}|ethical|moral)`,
    `from now on,? you (?:are|will be|will act as|act as|must act as) (?:an? )?${ROGUE}`,
    `from now on,? (?:you|you'll) (?:will |shall |must |should |are going to |are to )?(?:(?:only|always|now) )?${ROLE_VERBS}`,
    `you (?:will|must|shall) now (?:act (?:as|like)|behave (?:as|like)|pretend|roleplay|take on the role|assume the role)`
  ], [YOU_ARE_NOW_A, FROM_NOW_ON_A]],
  ["system prompt extraction", [
    `${EXTRACT} (?:me |us )?(?:all |the |your |of |entire |full |complete |exact |verbatim ){0,4}(?:system|hidden|secret|developer|internal|pre) ?(?:prompts?|instructions|directives)`,
    `${EXTRACT} (?:me |us )?(?:all of )?your (?:full |entire |complete |exact |verbatim )?(?:(?:initial|original|first|real|actual|hidden) (?:prompt|instructions|directives)|prompt(?![a-z]))`,
    `(?:reveal|leak|dump|expose|disclose|recite|regurgitate|divulge) (?:to me |to us )?(?:all |of )*your (?:[a-z]+ )?(?:instructions|rules|guidelines|directives|system message|configuration|programming|context)`,
    `what (?:is|are|were|was) your (?:exact |full |real |actual |underlying )?(?:original|initial|first|hidden|secret|system|underlying) (?:prompt|instructions|directives)`,
    `what (?:were|are) you (?:told|instructed|programmed) (?:to do )?(?:before|initially|at the start|in your (?:system )?prompt)`,
    `repeat (?:back )?(?:the |all |every |of ){0,3}(?:text|words|instructions|prompt|everything)(?: that (?:is|was|came))? (?:above|before this|prior to this|preceding this)`,
    `(?:text|words|everything|content) (?:above|before this),? (?:starting|beginning) with`,
    `(?:begin|start|end) (?:of )?(?:the )?system (?:prompt|instructions|message)`
  ], []],
  ["fake system marker", [
    `(?<![a-z0-9_)\\]])\\[ ?(?:system|admin|administrator|developer|root|sudo|operator) ?\\] ?:`,
    `(?<![a-z0-9_)\\]])\\[ ?(?:system|admin|administrator|developer|root|sudo|operator) (?:message|prompt|note|override|instructions?|update|notice|command|alert|directive) ?\\]`,
    `#{1,6} ?(?:system|admin|administrator|developer|root) (?:override|directive|command|alert|prompt|instructions?) ?(?:$|:|\\n)`,
    `(?:^|\\n) ?(?:system|admin|developer|operator) (?:override|directive|command|instructions?|message) ?:`,
    `(?<![a-z0-9_.<])</? ?(?:system|system prompt|sys|admin|developer) ?>(?!>|\\.[a-z<])`,
    `(?:system|admin|administrator|developer|root|sudo|security) override(?![a-z])`
  ], []],
  ["jailbreak", [
    `do anything now`,
    `\\b(?:dan|jailbreak|unrestricted|unfiltered|evil|opposite|anti dan|stan|god) mode`,
    `(?:chatgpt|gpt|claude|llm|ai|assistant|model|you|you're|you are) (?:are |now |with |in |running in |operating in |entering )*developer mode`,
    `(?:enable|activate|enter|switch to|turn on|unlock) (?:your )?developer mode(?! ?(?:on|in|for|of|under|from|via|through|settings|options|toggle)(?![a-z]))`,
    `developer mode (?:enabled|activated|unlocked|engaged|output|response)`,
    `(?:stay|remain) in (?:dan|developer|jailbreak) mode`,
    `(?:jailbreak|jailbroken) (?:prompt|mode|enabled|activated|yourself|the (?:ai|assistant|model))`,
    `bypass (?:your |the |all |any |of ){0,4}${SAFETY} ${SAFEGUARDS}`,
    `(?:disable|turn off|deactivate|remove|override|ignore) (?:all of |all )?your (?:${SAFETY} )?(?:filters?|guidelines|guardrails|restrictions|safeguards|alignment|training)`,
    `(?:respond|answer|reply|talk|speak|write) without (?:any )?(?:ethical|moral|safety|content) (?:guidelines|constraints|restrictions|limits|limitations|filters|considerations|boundaries)`,
    `<\\|(?:im start|im end|system|endoftext|start header id|end header id|eot id)\\|>`,
    `\\[/?inst\\]`,
    `<</?sys>>`
  ], []]
]

/** Compiles a category's patterns into one expression. */
const compileCategory = (patterns: ReadonlyArray<string>, raw: ReadonlyArray<string>): string =>
  [...patterns.map(phrase), ...raw].join("|")

/** English patterns, by category. */
export const ENGLISH: ReadonlyArray<readonly [category: string, regex: RegExp]> = CATEGORIES.map(([category, patterns, raw]) =>
  [category, new RegExp(compileCategory(patterns, raw))] as const
)

/** One pass over the text for the common (benign) case; the categories are only consulted on a hit. */
export const ENGLISH_ANY = new RegExp(CATEGORIES.map(([, patterns, raw]) => compileCategory(patterns, raw)).join("|"))

/** Every English match contains one of these fragments: a cheap first pass that clears most text. */
const ANCHORS = [
  "ignore", "disregard", "forget", "neglect", "abandon", "discard", "follow", "obey", "listen", "adhere", "comply",
  "purpose", "task", "goal", "objective", "aside", "attention", "heed", "mind", "throw", "scrap", "overrid", "overwrit",
  "supersed", "nullif", "bypass", "void", "cancel", "revoked", "obsolete", "invalid", "null", "no longer",
  "now", "pretend", "dan", "uncensor", "jailbr", "unchain", "unalign", "amoral", "evil", "rogue", "restrict", "rule",
  "limit", "filter", "guideline", "bound", "constrain", "ethic", "moral",
  "prompt", "instruction", "directive", "repeat", "starting", "beginning", "reveal", "leak", "dump", "expose", "disclose",
  "recite", "regurgitat", "divulg", "told", "programmed",
  "system", "admin", "developer", "root", "sudo", "operator", "security",
  "anything", "mode", "guardrail", "safeguard", "alignment", "training", "without"
].map((a) => a.replace(/ /g, ""))
/** Every spelling of a word with `i` and `l` swapped for each other (the leet-folded text writes `1` as `i`). */
const ilVariants = (word: string): ReadonlyArray<string> => {
  let out = [""]
  for (const c of word) out = c === "i" || c === "l" ? out.flatMap((w) => [`${w}i`, `${w}l`]) : out.map((w) => w + c)
  return out
}


/** Punctuation-only markers, tested on the normalised text (squashing removes their punctuation). */
export const MARKERS = /\[ ?\/?[il]nst ?\]|<\||<<\/?sys/

// ---------------------------------------------------------------------------------------------------------
// Other languages: each phrase is a list of slots, each slot a list of words ("" makes the slot optional).

type Slots = ReadonlyArray<ReadonlyArray<string>>

const FOREIGN: ReadonlyArray<readonly [category: string, phrases: ReadonlyArray<Slots>]> = [
  ["instruction override", [
    // Spanish
    [["ignora", "ignore", "ignorar", "olvida", "olvide", "olvidar", "omite", "omita", "descarta", "descarte", "no sigas"], ["todas", "todo", ""], ["las", "tus", "sus", ""], ["instrucciones", "indicaciones", "reglas", "órdenes", "directrices"], ["anteriores", "previas", "de arriba", "originales", "del sistema", "precedentes", "iniciales"]],
    // French
    [["ignore", "ignorez", "ignorer", "oublie", "oubliez", "oublier", "ne tiens pas compte des", "ne tenez pas compte des"], ["toutes", ""], ["les", "tes", "vos", "des", ""], ["instructions", "consignes", "règles", "directives"], ["précédentes", "antérieures", "ci-dessus", "initiales", "du système", "d'origine"]],
    // German
    [["ignoriere", "ignorieren sie", "vergiss", "vergessen sie", "missachte", "missachten sie"], ["alle", ""], ["vorherigen", "bisherigen", "vorigen", "obigen", "ursprünglichen", "deine", "ihre"], ["anweisungen", "instruktionen", "regeln", "befehle", "vorgaben", "richtlinien"]],
    // Portuguese
    [["ignore", "ignora", "ignorar", "esqueça", "esquece", "esquecer", "desconsidere"], ["todas", ""], ["as", "suas", ""], ["instruções", "regras", "orientações", "diretrizes"], ["anteriores", "acima", "prévias", "originais", "do sistema", "iniciais"]],
    // Italian
    [["ignora", "ignorate", "ignori", "dimentica", "dimenticate", "dimentichi"], ["tutte", ""], ["le", "tue", "sue", ""], ["istruzioni", "regole", "indicazioni", "direttive"], ["precedenti", "di sopra", "originali", "iniziali", "del sistema"]],
    // Chinese
    [["忽略", "无视", "無視", "忽视", "忽視", "忘记", "忘記", "不要理会", "不要理會"], ["之前", "以前", "上面", "先前", "前面", "所有", "全部", ""], ["的", ""], ["所有", "全部", ""], ["的", ""], ["指令", "指示", "说明", "說明", "提示", "规则", "規則", "命令"]],
    // Japanese
    [["以前", "前", "上記", "これまで", "今まで", "すべて", "全て"], ["の"], ["指示", "命令", "指令", "ルール", "プロンプト"], ["を"], ["すべて", "全て", ""], ["無視", "忘れ"]],
    // Russian
    [["игнорируй", "игнорируйте", "проигнорируй", "забудь", "забудьте"], ["все", ""], ["предыдущие", "прежние", "свои", "твои", "вышеуказанные", "исходные", ""], ["инструкции", "указания", "правила", "команды"]]
  ]],
  ["system prompt extraction", [
    [["revela", "revelar", "filtra"], ["tus", "las"], ["instrucciones", "indicaciones"]],
    [["muestra", "muéstrame", "imprime", "dime", "repite"], ["tu", "el", "tus"], ["prompt", "instrucciones"], ["del sistema", "de sistema", "iniciales", "originales", "ocultas"]],
    [["révèle", "révélez", "dévoile", "dévoilez"], ["tes", "vos"], ["instructions", "consignes"]],
    [["affiche", "montre", "imprime", "répète"], ["ton", "votre", "le", "tes", "vos"], ["prompt", "invite", "instructions"], ["système", "initial", "initiales", "du système"]],
    [["zeige", "zeig", "gib", "verrate", "enthülle", "drucke"], ["mir", ""], ["deine", "ihre", "den"], ["systemanweisungen", "systemprompt", "system prompt", "ursprünglichen anweisungen"]],
    [["revele", "revela", "mostre", "mostra"], ["suas", "as suas", "seu", "o seu"], ["instruções", "prompt"], ["do sistema", "iniciais", "originais", "ocultas"]],
    [["rivela", "rivelami", "mostrami", "stampa"], ["le tue", "il tuo", "tue", "tuo"], ["istruzioni", "prompt"], ["di sistema", "del sistema", "iniziali", "originali", "nascoste"]],
    [["显示", "顯示", "输出", "輸出", "告诉我", "告訴我", "泄露", "洩露", "打印", "重复", "重複"], ["你的", ""], ["系统", "系統"], ["提示", "提示词", "提示詞", "指令"]],
    [["システムプロンプト", "システム指示"], ["を"], ["表示", "教えて", "出力", "見せて", "繰り返"]],
    [["покажи", "покажите", "раскрой", "выведи", "повтори", "напиши"], ["свои", "твои", "свой", "твой", "системные", "системный"], ["инструкции", "промпт", "системный промпт"]]
  ]],
  ["role hijack", [
    [["ahora eres", "a partir de ahora eres", "desde ahora eres"], ["un", "una", ""], ["ia", "asistente", "modelo", "bot"], ["sin restricciones", "sin filtros", "sin censura", "malvado", "malvada"]],
    [["tu es maintenant", "désormais tu es", "à partir de maintenant tu es"], ["une", "un", ""], ["ia", "assistant", "modèle", "bot"], ["sans restrictions", "sans filtre", "sans limites", "maléfique"]],
    [["du bist jetzt", "du bist nun", "ab jetzt bist du", "ab sofort bist du"], ["eine", "ein", ""], ["ki", "assistent", "modell", "bot"], ["ohne einschränkungen", "ohne filter", "ohne regeln", "böse"]],
    [["você agora é", "agora você é", "a partir de agora você é"], ["uma", "um", ""], ["ia", "assistente", "modelo", "bot"], ["sem restrições", "sem filtros", "sem censura", "malvada", "malvado"]],
    [["ora sei", "adesso sei", "d'ora in poi sei"], ["un", "una", ""], ["ia", "assistente", "modello", "bot"], ["senza restrizioni", "senza filtri", "senza censura", "malvagio", "malvagia"]],
    [["你现在是", "你現在是", "从现在开始你是", "從現在開始你是"], ["一个", "一個", ""], ["不受限制的", "没有限制的", "沒有限制的", "越狱的", "越獄的"]],
    [["あなたは今から", "今からあなたは", "これからあなたは"], ["制限のない", "制約のない", "脱獄した"]],
    [["теперь ты", "с этого момента ты"], ["ии", "ассистент", "бот", "модель", ""], ["без ограничений", "без фильтров", "без цензуры"]]
  ]],
  ["jailbreak", [
    [["modo desarrollador", "mode développeur", "entwicklermodus", "modo de desenvolvedor", "modalità sviluppatore", "режим разработчика"], ["activado", "activé", "aktiviert", "ativado", "attivata", "активирован", "включен"]],
    [["开发者模式", "開發者模式"], ["已启用", "已啟用", "已开启", "已開啟"]],
    [["開発者モード"], ["有効", "オン"]]
  ]]
]

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const slot = (words: ReadonlyArray<string>): string => {
  const forms = [...new Set(words.filter((w) => w !== "").map((w) => escape(normalise(w).trim())))]
  const group = `(?:${forms.join("|")})`
  return words.includes("") ? `(?:${group} ?)?` : `${group} ?`
}

const compileForeign = (phrases: ReadonlyArray<Slots>): string => phrases.map((p) => p.map(slot).join("")).join("|")

/** The other languages' phrases, by category, matched on normalised text. */
export const FOREIGN_PHRASES: ReadonlyArray<readonly [category: string, regex: RegExp]> = FOREIGN.map(([category, phrases]) =>
  [category, new RegExp(compileForeign(phrases))] as const
)
/** The first word of every foreign phrase, squashed: for the first pass. */
const FOREIGN_STEMS = FOREIGN.flatMap(([, phrases]) =>
  phrases.flatMap((p) => p[0]!.filter((w) => w !== "").map((w) => normalise(w).replace(/[^\p{L}\p{N}]+/gu, "").slice(0, 6)))
)

// ---------------------------------------------------------------------------------------------------------
// Squash-safe patterns (matched with every space and punctuation mark removed)

const SQUASHED: ReadonlyArray<readonly [category: string, source: string]> = [
  ["instruction override", `(?<!(?:dont|donot|never|not|didnt|doesnt))(?:ignore|disregard|forget|override|bypass)(?:all|any|every|the|your|my|of){0,3}(?:previous|prior|above|earlier|preceding|former|initial|original|system|developer)(?:instructions?|prompts?|directives?|rules|guidelines)`],
  ["system prompt extraction", `(?:reveal|print|show|repeat|output|display|leak|dump)(?:me)?(?:all)?(?:of)?(?:your|the)(?:system|initial|original|hidden|secret)(?:prompt|instructions)`],
  ["role hijack", `youarenow(?:dan|unrestricted|unfiltered|jailbroken|indanmode|indevelopermode|unbound)`],
  ["jailbreak", `developermode(?:enabled|activated|unlocked)|doanythingnow|jailbreakmode|systemoverride`]
]

/** Squash-safe patterns, by category (`i`/`l` match each other). */
export const SQUASHED_PHRASES: ReadonlyArray<readonly [category: string, regex: RegExp]> = SQUASHED.map(([c, source]) =>
  [c, new RegExp(source.replace(/[il]/g, "[il]"))] as const
)
const SQUASHED_STEMS = ["instruct", "prompt", "directive", "guideline", "rules", "youarenow", "developermode", "anythingnow", "jailbreakm", "systemoverr"]

/**
 * One first pass over the squashed, leet-folded text: every English anchor, every foreign phrase's first
 * word and every squash-safe stem. Text that misses it (and has no punctuation marker or encoding) is clean.
 */
const PREFILTER_WORDS = [...new Set([...ANCHORS, ...FOREIGN_STEMS, ...SQUASHED_STEMS].flatMap(ilVariants))]
export const PREFILTER: RegExp = trieRegExp(PREFILTER_WORDS)
/** The same words as an automaton, for `quick`'s single pass over ASCII text. */
export const PREFILTER_AUTOMATON: Words.Automaton = Words.compile(PREFILTER_WORDS)
