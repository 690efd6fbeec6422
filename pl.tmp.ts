import { lex } from "./policies/shell/lex.ts"
const cmds = Array.from({length:256},(_,i)=>`cd /workspace/app && npm ci && npx vitest run src/parser-${i}.test.ts && git add -A && git commit -m "Fix nested quote parsing (#${i})" && git push origin agent/fix-parser-${i}`)
for (let i=0;i<50000;i++) lex(cmds[i%256]!)
const N=300000; const t=performance.now(); for (let i=0;i<N;i++) lex(cmds[i%256]!); console.log("lex", ((performance.now()-t)*1000/N).toFixed(2))
