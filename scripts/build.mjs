// Bundles src/ into dist/ with esbuild: one small entry chunk (commander + command declarations)
// and lazily loaded chunks for handlers, HTTP, zod and prompts, so start-up stays close to bare node.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';


const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// Chunk names are content-hashed, so a rebuild never breaks a run in progress; --clean starts afresh.
if (process.argv.includes('--clean')) rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
// --no-minify (or TASKCTL_BUILD_MINIFY=0): readable function names and source-file markers, for --cpu-prof
const minify = !process.argv.includes('--no-minify') && process.env.TASKCTL_BUILD_MINIFY !== '0';

/**
 * commander requires node:child_process at load time only to run "executable subcommands", which
 * taskctl does not use; loading it costs every start-up a few milliseconds. Give commander an empty
 * stand-in (any attempt to spawn would fail loudly).
 */
const commanderWithoutChildProcess = {
  name: 'commander-without-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process-stub', namespace: 'stub' } : undefined,
    );
    b.onLoad({ filter: /^child_process-stub$/, namespace: 'stub' }, () => ({
      contents: "module.exports = { spawn() { throw new Error('executable subcommands are not supported'); } };",
      loader: 'js',
    }));
    b.onLoad({ filter: /^http2-stub$/, namespace: 'stub' }, () => ({
      contents: "throw new Error('HTTP/2 is not used by taskctl');",
      loader: 'js',
    }));
  },
};

/**
 * undici's HTTP/2 client requires node:http2 at load time inside a try/catch that falls back to no
 * HTTP/2. taskctl never enables HTTP/2 (allowH2), so it gets the fallback instead of loading http2's
 * modules on every run.
 */
const undiciWithoutHttp2 = {
  name: 'undici-without-http2',
  setup(b) {
    b.onResolve({ filter: /^(node:)?http2$/ }, (args) =>
      /[\\/]node_modules[\\/]undici[\\/]/.test(args.importer) ? { path: 'http2-stub', namespace: 'stub' } : undefined,
    );
  },
};

const result = await build({
  entryPoints: { taskctl: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify,
  sourcemap: false,
  legalComments: 'linked',
  metafile: true,
  chunkNames: 'chunks/[name]-[hash]',
  define: { __TASKCTL_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies bundled into ESM need a require()
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  // cosmiconfig loads TypeScript only for .ts config files, which taskctl refuses anyway
  external: ['typescript'],
  plugins: [commanderWithoutChildProcess, undiciWithoutHttp2],
  logLevel: 'warning',
});

if (process.argv.includes('--analyze')) {
  const { analyzeMetafile } = await import('esbuild');
  console.log(await analyzeMetafile(result.metafile));
}
