#!/usr/bin/env node
// Installs the pieces of the real-OpenHIM integration stack into .cache/real-openhim/ (git-ignored):
//   congodb/  CongoDB = dist_ts/congodb from the npm tarball of @push.rocks/smartmongo@2.2.0 (MIT),
//             its 6 pinned dependencies (npm ci from congodb-pkg/), and our patches (see PATCHES).
//   openhim/  openhim-core@4.0.5 (MPL-2.0), npm ci from openhim-pkg/.
// Cached: when both folders are complete and their stamps match, it does nothing and says so in one line.
// Usage: node test/real/setup/install.mjs [--force]
// Needs only the npm registry. Plain .mjs so it runs without a TypeScript loader.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../../..');
export const CACHE_DIR = path.join(REPO, '.cache', 'real-openhim');
const CONGO_DIR = path.join(CACHE_DIR, 'congodb');
const OPENHIM_DIR = path.join(CACHE_DIR, 'openhim');
const STAMP = '.taskctl-install.json';

const SMARTMONGO = '@push.rocks/smartmongo@2.2.0';
// dist.integrity of that tarball in the npm registry; a different tarball is refused.
const SMARTMONGO_INTEGRITY =
  'sha512-ovVCNoJ3D0aBuKtoKaQWWQKvBngaGJq9fAPQigzji1EHsS1XyGpXWCpe5nq/ptGvBROOcpqZcOFEGAcrnb+OjA==';
const OPENHIM_VERSION = '4.0.5';

/**
 * CongoDB patches. Each one is applied at most once per file (its marker is written into the file),
 * and fails loudly when its anchor text is missing or ambiguous. The tarball is pinned, so anchors do not move.
 * Give a changed patch a new id: the installer then rebuilds CongoDB from the tarball.
 */
const PATCHES = [
  {
    // REQUIRED for openhim-core 4.0.5: its mongodb 2.2 driver sends `findandmodify` (and other lower-cased
    // names); stock CongoDB knows only `findAndModify` and the OpenHIM worker crash-loops on start-up.
    id: 'command-case-v1',
    file: 'server/CommandRouter.js',
    anchor: `        const handler = this.handlers.get(commandName);
        if (!handler) {`,
    replacement: `        let handler = this.handlers.get(commandName); /* taskctl-patch:command-case-v1 */
        if (!handler && typeof commandName === 'string') {
            // Case-insensitive fallback; the first key identifies the command, so rebuild the command
            // document with the canonical name first and every other key in its original order.
            const lower = commandName.toLowerCase();
            for (const [name, candidate] of this.handlers) {
                if (name.toLowerCase() !== lower) continue;
                const rebuilt = { [name]: command[commandName] };
                for (const [key, value] of Object.entries(command)) {
                    if (key !== commandName) rebuilt[key] = value;
                }
                context.command = rebuilt;
                handler = candidate;
                break;
            }
        }
        if (!handler) {`,
  },
  {
    // RECOMMENDED for 4.0.5: mongoose 4.13 appends to arrays with $pushAll (removed in MongoDB 3.6).
    // Without it, reruns do not mark the original transaction (wasRerun, childIDs).
    id: 'pushall-v1',
    file: 'engine/UpdateEngine.js',
    anchor: `                case '$push':
                    this.applyPush(result, operand, arrayFilters);
                    break;`,
    replacement: `                case '$push':
                    this.applyPush(result, operand, arrayFilters);
                    break;
                case '$pushAll': /* taskctl-patch:pushall-v1 */
                    // {$pushAll: {path: [a, b]}} is {$push: {path: {$each: [a, b]}}}
                    this.applyPush(result, Object.fromEntries(Object.entries(operand).map(([p, values]) => [p, { $each: values }])), arrayFilters);
                    break;`,
  },
  {
    // Debug aid: with CONGO_DEBUG=1 in CongoDB's environment, log every command that fails
    // (including unknown command names) with its error and a prefix of the command JSON.
    id: 'debug-log-v1',
    file: 'server/CommandRouter.js',
    anchor: `    async route(parsedCommand) {`,
    replacement: `    async route(parsedCommand) { /* taskctl-patch:debug-log-v1 */
        const reply = await this.taskctlRoute(parsedCommand);
        if (process.env.CONGO_DEBUG && reply && reply.ok === 0) {
            let json;
            try { json = JSON.stringify(parsedCommand.command, (_k, v) => (typeof v === 'bigint' ? String(v) : v)); } catch { json = '?'; }
            console.error(\`[congo-debug] command '\${parsedCommand.commandName}' failed: \${reply.errmsg} \${String(json).slice(0, 400)}\`);
        }
        return reply;
    }
    async taskctlRoute(parsedCommand) {`,
  },
];
const PATCH_IDS = PATCHES.map((p) => p.id);

const log = (msg) => process.stdout.write(`[real-openhim] ${msg}\n`);
const secs = (t0) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

function sha256(...files) {
  const h = createHash('sha256');
  for (const f of files) h.update(fs.readFileSync(f));
  return h.digest('hex');
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')} could not run: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited with ${r.status ?? r.signal}:\n${out}`);
  }
  return r.stdout;
}

const npm = (args, cwd) => run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, cwd);
const NPM_CI = ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];

// ---------------------------------------------------------------------------------------------- wanted stamps

function wantedCongo() {
  const tpl = path.join(HERE, 'congodb-pkg');
  return {
    tarball: SMARTMONGO,
    integrity: SMARTMONGO_INTEGRITY,
    template: sha256(path.join(tpl, 'package.json'), path.join(tpl, 'package-lock.json')),
  };
}

function wantedOpenhim() {
  const tpl = path.join(HERE, 'openhim-pkg');
  return {
    openhimCore: OPENHIM_VERSION,
    template: sha256(path.join(tpl, 'package.json'), path.join(tpl, 'package-lock.json')),
  };
}

const sameBase = (stamp, wanted) =>
  !!stamp && Object.entries(wanted).every(([k, v]) => stamp[k] === v);

function congoComplete() {
  return (
    fs.existsSync(path.join(CONGO_DIR, 'congodb', 'index.js')) &&
    fs.existsSync(path.join(CONGO_DIR, 'node_modules', 'bson', 'package.json')) &&
    fs.existsSync(path.join(CONGO_DIR, 'node_modules', 'mingo', 'package.json'))
  );
}

function openhimComplete() {
  const pkg = readJson(path.join(OPENHIM_DIR, 'node_modules', 'openhim-core', 'package.json'));
  return (
    pkg?.version === OPENHIM_VERSION &&
    fs.existsSync(path.join(OPENHIM_DIR, 'node_modules', 'openhim-core', 'lib', 'server.js'))
  );
}

/** What needs doing; also used by the harness to tell whether the stack is installed. */
export function installState() {
  const congoStamp = readJson(path.join(CONGO_DIR, STAMP));
  const openhimStamp = readJson(path.join(OPENHIM_DIR, STAMP));
  let congo = 'ok';
  if (!congoComplete() || !sameBase(congoStamp, wantedCongo())) congo = 'rebuild';
  else {
    const have = Array.isArray(congoStamp.patches) ? congoStamp.patches : [];
    if (have.some((id) => !PATCH_IDS.includes(id))) congo = 'rebuild'; // a patch changed or was dropped
    else if (PATCH_IDS.some((id) => !have.includes(id))) congo = 'patch';
  }
  const openhim = openhimComplete() && sameBase(openhimStamp, wantedOpenhim()) ? 'ok' : 'rebuild';
  return { congo, openhim };
}

// ---------------------------------------------------------------------------------------------- steps

function applyPatches(congoDir) {
  const applied = [];
  for (const p of PATCHES) {
    const file = path.join(congoDir, 'congodb', p.file);
    const text = fs.readFileSync(file, 'utf8');
    if (text.includes(`taskctl-patch:${p.id}`)) continue; // already applied
    const count = text.split(p.anchor).length - 1;
    if (count !== 1) {
      throw new Error(
        `CongoDB patch ${p.id}: anchor found ${count} times (expected 1) in ${file}. ` +
          `Is the tarball still ${SMARTMONGO}? Delete ${CONGO_DIR} and run the installer again.`,
      );
    }
    fs.writeFileSync(file, text.replace(p.anchor, () => p.replacement));
    applied.push(p.id);
  }
  return applied;
}

function replaceDir(staging, final) {
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(staging, final);
}

function installCongo() {
  const staging = `${CONGO_DIR}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    let t0 = performance.now();
    const packed = JSON.parse(npm(['pack', SMARTMONGO, '--json', '--pack-destination', staging], staging));
    const info = Array.isArray(packed) ? packed[0] : packed;
    if (info?.integrity !== SMARTMONGO_INTEGRITY) {
      throw new Error(`${SMARTMONGO}: tarball integrity ${info?.integrity} differs from the pinned ${SMARTMONGO_INTEGRITY}`);
    }
    const tgz = path.join(staging, info.filename);
    run('tar', ['xzf', tgz, '-C', staging, 'package/dist_ts/congodb'], staging);
    fs.renameSync(path.join(staging, 'package', 'dist_ts', 'congodb'), path.join(staging, 'congodb'));
    fs.rmSync(path.join(staging, 'package'), { recursive: true, force: true });
    fs.rmSync(tgz, { force: true });
    log(`congodb: npm pack ${SMARTMONGO} + extract dist_ts/congodb: ${secs(t0)}`);

    t0 = performance.now();
    for (const f of ['package.json', 'package-lock.json']) {
      fs.copyFileSync(path.join(HERE, 'congodb-pkg', f), path.join(staging, f));
    }
    npm(NPM_CI, staging);
    log(`congodb: npm ci (6 pinned dependencies): ${secs(t0)}`);

    t0 = performance.now();
    const applied = applyPatches(staging);
    log(`congodb: patches ${applied.join(', ')}: ${secs(t0)}`);

    fs.writeFileSync(path.join(staging, STAMP), JSON.stringify({ ...wantedCongo(), patches: PATCH_IDS }, null, 2) + '\n');
    replaceDir(staging, CONGO_DIR);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

function patchCongoInPlace() {
  const t0 = performance.now();
  const applied = applyPatches(CONGO_DIR);
  const stampFile = path.join(CONGO_DIR, STAMP);
  fs.writeFileSync(stampFile, JSON.stringify({ ...readJson(stampFile), patches: PATCH_IDS }, null, 2) + '\n');
  log(`congodb: patches ${applied.join(', ') || '(none new)'}: ${secs(t0)}`);
}

function installOpenhim() {
  const staging = `${OPENHIM_DIR}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    const t0 = performance.now();
    for (const f of ['package.json', 'package-lock.json']) {
      fs.copyFileSync(path.join(HERE, 'openhim-pkg', f), path.join(staging, f));
    }
    npm(NPM_CI, staging);
    const pkg = readJson(path.join(staging, 'node_modules', 'openhim-core', 'package.json'));
    if (pkg?.version !== OPENHIM_VERSION) {
      throw new Error(`openhim-core: installed version ${pkg?.version} is not ${OPENHIM_VERSION}`);
    }
    fs.writeFileSync(path.join(staging, STAMP), JSON.stringify(wantedOpenhim(), null, 2) + '\n');
    replaceDir(staging, OPENHIM_DIR);
    log(`openhim: npm ci openhim-core@${OPENHIM_VERSION}: ${secs(t0)}`);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

// One installer at a time (e.g. two test files starting together).
function withLock(fn) {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const lock = path.join(CACHE_DIR, 'install.lock');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(lock, 'utf8'));
      let alive = false;
      try {
        process.kill(owner, 0);
        alive = true;
      } catch {}
      if (!alive || owner === process.pid) fs.rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`install lock ${lock} held by pid ${owner} for too long`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

export function install({ force = false } = {}) {
  const t0 = performance.now();
  return withLock(() => {
    const state = force ? { congo: 'rebuild', openhim: 'rebuild' } : installState();
    if (state.congo === 'ok' && state.openhim === 'ok') {
      log(
        `up to date in ${path.relative(REPO, CACHE_DIR)} (CongoDB from ${SMARTMONGO}, patches ${PATCH_IDS.join(', ')}; ` +
          `openhim-core@${OPENHIM_VERSION}): nothing to do (${secs(t0)})`,
      );
      return state;
    }
    if (state.congo === 'rebuild') installCongo();
    else if (state.congo === 'patch') patchCongoInPlace();
    if (state.openhim === 'rebuild') installOpenhim();
    log(`installed into ${path.relative(REPO, CACHE_DIR)} in ${secs(t0)}`);
    return state;
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    install({ force: process.argv.includes('--force') });
  } catch (err) {
    process.stderr.write(`[real-openhim] install FAILED: ${err instanceof Error ? err.message : err}\n`);
    process.exit(1);
  }
}
