// Bundles src/ into dist/ with esbuild: one small entry chunk (commander + command declarations)
// and lazily loaded chunks for handlers, HTTP, zod and prompts, so start-up stays close to bare node.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';


const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// Chunk names are content-hashed, so a rebuild never breaks a run in progress; --clean starts afresh.
if (process.argv.includes('--clean')) rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

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
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: "module.exports = { spawn() { throw new Error('executable subcommands are not supported'); } };",
      loader: 'js',
    }));
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
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  metafile: true,
  chunkNames: 'chunks/[name]-[hash]',
  define: { __TASKCTL_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies bundled into ESM need a require()
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  // cosmiconfig loads TypeScript only for .ts config files, which taskctl refuses anyway
  external: ['typescript'],
  plugins: [commanderWithoutChildProcess],
  logLevel: 'warning',
});

if (process.argv.includes('--analyze')) {
  const { analyzeMetafile } = await import('esbuild');
  console.log(await analyzeMetafile(result.metafile));
}
