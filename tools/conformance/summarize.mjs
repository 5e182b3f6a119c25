// Summarizes conformance runs made by run.sh: for each spec version, the suite's log
// (<results>/<version>.log, whose "=== SUMMARY ===" names the scenarios run) and its per-scenario
// checks (<results>/<version>/server-<scenario>-<timestamp>/checks.json).
// A scenario passes when it has no FAILURE and no WARNING check (the suite's own baseline rule).
// Failures listed in the expected-failures file ("scenario-name  reason" per line, # comments)
// are reported as expected, with their reason. Exit code 1 only on unexpected failures (or when a
// run produced no summary at all); an expected failure that now passes is only reported.
//
// usage: node summarize.mjs <results-dir> <expected-failures-file|-> <version>...
import fs from 'node:fs';
import path from 'node:path';

const [resultsDir, expectedFile, ...versions] = process.argv.slice(2);
if (!resultsDir || !expectedFile || versions.length === 0) {
  console.error('usage: node summarize.mjs <results-dir> <expected-failures-file|-> <version>...');
  process.exit(2);
}

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** scenario → reason */
function readExpected(file) {
  const expected = new Map();
  if (file === '-' || !fs.existsSync(file)) return expected;
  for (const [i, raw] of fs.readFileSync(file, 'utf8').split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    if (!m[2]) console.error(`warning: ${file}:${i + 1}: expected failure ${m[1]} has no reason`);
    expected.set(m[1], m[2] || '(no reason given)');
  }
  return expected;
}

function readRun(version) {
  const logFile = path.join(resultsDir, `${version}.log`);
  const log = fs.existsSync(logFile) ? stripAnsi(fs.readFileSync(logFile, 'utf8')) : '';
  const summaryAt = log.lastIndexOf('=== SUMMARY ===');
  if (summaryAt < 0) return { version, crashed: true, log, scenarios: [] };
  const names = [];
  for (const line of log.slice(summaryAt).split('\n')) {
    const m = /^[✓✗] (\S+): \d+ passed, \d+ failed$/.exec(line.trim());
    if (m) names.push(m[1]);
  }
  const checksDir = path.join(resultsDir, version);
  const dirs = fs.existsSync(checksDir) ? fs.readdirSync(checksDir) : [];
  const scenarios = names.map((name) => {
    const dir = dirs.find((d) => new RegExp(`^server-${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}-\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z$`).test(d));
    if (!dir) return { name, checks: [], problems: [`no checks recorded (the scenario threw: see ${path.relative(process.cwd(), logFile)})`] };
    const checks = JSON.parse(fs.readFileSync(path.join(checksDir, dir, 'checks.json'), 'utf8'));
    const problems = checks
      .filter((c) => c.status === 'FAILURE' || c.status === 'WARNING')
      .map((c) => `${c.status} ${c.name}: ${c.errorMessage ?? c.description}`);
    return { name, checks, problems };
  });
  return { version, crashed: false, log, scenarios };
}

const expected = readExpected(expectedFile);
const runs = versions.map(readRun);
const totals = { passed: 0, failed: 0, expected: 0 };
const unexpected = [];
const expectedSeen = new Map(); // scenario → versions
const stale = new Map(); // scenario → versions

for (const run of runs) {
  console.log(`\n--- spec version ${run.version} ---`);
  if (run.crashed) {
    console.log('  the suite produced no summary; last lines of its log:');
    for (const line of run.log.trimEnd().split('\n').slice(-15)) console.log(`    ${line}`);
    unexpected.push(`${run.version}: suite did not complete`);
    totals.failed += 1;
    continue;
  }
  for (const s of run.scenarios) {
    const ok = s.problems.length === 0;
    const checks = s.checks.filter((c) => c.status === 'SUCCESS').length;
    if (ok && expected.has(s.name)) {
      stale.set(s.name, [...(stale.get(s.name) ?? []), run.version]);
    }
    if (ok) {
      totals.passed += 1;
      console.log(`  PASS   ${s.name} (${checks} check${checks === 1 ? '' : 's'})`);
    } else if (expected.has(s.name)) {
      totals.expected += 1;
      expectedSeen.set(s.name, [...(expectedSeen.get(s.name) ?? []), run.version]);
      console.log(`  XFAIL  ${s.name}: ${expected.get(s.name)}`);
      for (const p of s.problems) console.log(`           ${p}`);
    } else {
      totals.failed += 1;
      unexpected.push(`${run.version}: ${s.name}`);
      console.log(`  FAIL   ${s.name}`);
      for (const p of s.problems) console.log(`           ${p}`);
    }
  }
}

console.log('\n=== conformance summary ===');
for (const run of runs) {
  if (run.crashed) {
    console.log(`${run.version}: suite did not complete`);
    continue;
  }
  const passed = run.scenarios.filter((s) => s.problems.length === 0).length;
  const xfail = run.scenarios.filter((s) => s.problems.length > 0 && expected.has(s.name)).length;
  const failed = run.scenarios.length - passed - xfail;
  console.log(`${run.version}: ${run.scenarios.length} scenarios: ${passed} passed, ${failed} failed, ${xfail} expected failures`);
}
if (expectedSeen.size > 0) {
  console.log('expected failures:');
  for (const [name, vs] of expectedSeen) console.log(`  ${name} [${vs.join(', ')}]: ${expected.get(name)}`);
}
for (const [name, vs] of stale) {
  console.log(`note: ${name} is listed as an expected failure but passed [${vs.join(', ')}]: remove it from ${expectedFile}`);
}
console.log(unexpected.length ? `unexpected failures:\n${unexpected.map((u) => `  ${u}`).join('\n')}` : 'unexpected failures: none');
// The closing line in the plain "N passed, N failed, N skipped" form (skipped = expected failures).
console.log(`conformance: ${totals.passed} passed, ${totals.failed} failed, ${totals.expected} skipped`);
process.exit(unexpected.length > 0 ? 1 : 0);
