/**
 * The Dockerfile and .dockerignore, read line by line (no Docker engine runs here): each check
 * names what a mistake in the file would break in the image.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/env.js';
import { all, copies, envOf, execArgs, readDockerfile, type Stage } from './dockerfile.js';

const dockerfile = readDockerfile('Dockerfile');
const runtime = dockerfile.stages.at(-1)!;
const stage = (name: string): Stage => {
  const found = dockerfile.stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
};
const runs = (s: Stage) => all(s, 'RUN').map((r) => r.args);
const npmInstalls = (s: Stage) => runs(s).flatMap((r) => r.split('&&').map((c) => c.trim())).filter((c) => /^npm (ci|install|i)\b/.test(c));
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };

describe('Dockerfile', () => {
  it('builds on the Node major of package.json engines, the same image in every stage (the native driver matches the runtime)', () => {
    const major = /(\d+)/.exec(pkg.engines.node)![1];
    const bases = new Set(dockerfile.stages.map((s) => s.base));
    expect(bases.size).toBe(1);
    expect([...bases][0]).toMatch(new RegExp(`^node:${major}-`));
  });

  it('runs as a non-root user, numeric so that Kubernetes runAsNonRoot can check it', () => {
    const user = all(runtime, 'USER').at(-1)?.args.split(':')[0];
    expect(user).toMatch(/^\d+$/);
    expect(Number(user)).not.toBe(0);
  });

  it('has a HEALTHCHECK running the copied health-check script with node (slim images have no curl)', () => {
    const [healthcheck] = all(runtime, 'HEALTHCHECK');
    expect(healthcheck).toBeDefined();
    const cmd = execArgs(healthcheck!.args.slice(healthcheck!.args.indexOf('CMD') + 'CMD'.length));
    expect(cmd[0]).toBe('node');
    const script = copies(runtime).find((c) => c.sources.includes('deploy/healthcheck.mjs'));
    expect(script?.destination, 'the script is copied into the image').toBeDefined();
    expect(cmd[1]).toBe(script!.destination.startsWith('/') ? script!.destination : `${workdirAt(runtime, 'COPY')}/${script!.destination.replace(/^\.\//, '')}`);
    expect(readFileSync('deploy/healthcheck.mjs', 'utf8')).toContain('/healthz');
  });

  it('ships the compiled dist/ from the build stage, never src/', () => {
    const fromBuild = copies(runtime).filter((c) => c.from !== undefined);
    const dist = fromBuild.find((c) => c.sources.some((s) => s.endsWith('/dist')));
    expect(dist, 'dist/ copied from a stage').toBeDefined();
    const builder = stage(dist!.from!);
    expect(runs(builder).some((r) => r.includes('tsc -p tsconfig.build.json'))).toBe(true);
    const outDir = (JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { compilerOptions: { outDir: string } }).compilerOptions.outDir;
    expect(dist!.sources[0]).toBe(`${workdirAt(builder, 'RUN')}/${outDir}`);
    for (const c of copies(runtime)) expect(c.sources.filter((s) => /(^|\/)src\/?$/.test(s)), `COPY ${c.sources.join(' ')}`).toEqual([]);
  });

  it('copies package.json beside dist/ (its "type": "module" makes dist/*.js ES modules) and the bin', () => {
    const context = copies(runtime).filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(context).toContain('package.json');
    expect(context).toContain('bin');
  });

  it('installs production dependencies only: node_modules come from an `npm ci --omit=dev` stage that builds better-sqlite3', () => {
    expect(npmInstalls(runtime), 'no install in the runtime stage').toEqual([]);
    const modules = copies(runtime).find((c) => c.sources.some((s) => s.endsWith('/node_modules')));
    expect(modules?.from).toBeDefined();
    const deps = stage(modules!.from!);
    const installs = npmInstalls(deps);
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/^npm ci\b.*--omit=dev/);
    // --ignore-scripts also skips better-sqlite3's install script: then it must be rebuilt.
    if (installs[0]!.includes('--ignore-scripts')) expect(runs(deps).join(' ')).toMatch(/npm rebuild better-sqlite3/);
    expect(copies(deps).flatMap((c) => c.sources)).not.toContain('src');
  });

  it('keeps config read-only outside the image and the data dir on a volume, with the env names serve reads', () => {
    const env = envOf(runtime);
    const known = Object.keys(envSchema.shape);
    for (const name of Object.keys(env).filter((n) => n !== 'NODE_ENV')) expect(known, name).toContain(name);
    const volumes = all(runtime, 'VOLUME').flatMap((v) => execArgs(v.args));
    expect(volumes).toContain(env.IAM_REVIEW_DATA_DIR);
    // A VOLUME on the config dir would hide a missing mount behind an empty, writable folder.
    expect(volumes.filter((v) => v.startsWith(env.IAM_REVIEW_CONFIG_DIR!))).toEqual([]);
    expect(env.IAM_REVIEW_CONFIG_DIR).toMatch(/^\//);
  });

  it('starts `serve` through the bin by default, so arguments run any other command', () => {
    expect(execArgs(all(runtime, 'ENTRYPOINT').at(-1)!.args)).toEqual(['node', `${workdirAt(runtime, 'COPY')}/bin/iam-review.js`]);
    expect(execArgs(all(runtime, 'CMD').at(-1)!.args)).toEqual(['serve']);
  });

  it('exposes the PORT it sets', () => {
    expect(all(runtime, 'EXPOSE').map((e) => e.args)).toContain(envOf(runtime).PORT);
  });
});

describe('.dockerignore', () => {
  const lines = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  /** Docker's rule: the last matching pattern wins; `*` and `**` are globs, a folder covers its contents. */
  const included = (path: string) => {
    let keep = true;
    for (const line of lines) {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/\/$/, '');
      const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(.*/)?').replace(/\*/g, '[^/]*')}(/.*)?$`);
      if (regex.test(path)) keep = negated;
    }
    return keep;
  };

  it('lets in every file the Dockerfile copies from the context', () => {
    const sources = dockerfile.stages.flatMap((s) => copies(s).filter((c) => c.from === undefined).flatMap((c) => c.sources));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(included(source), source).toBe(true);
    expect(included('src/cli.ts')).toBe(true);
  });

  it('keeps secrets, the local store and host-built modules out of the build context', () => {
    for (const path of ['.env', 'data/iam-review.db', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'dist/cli.js', 'out/evidence/x.csv', 'src/.env']) {
      expect(included(path), path).toBe(false);
    }
  });
});

/** The WORKDIR in effect at the first instruction of `keyword` in a stage. */
function workdirAt(s: Stage, keyword: string): string {
  let dir = '/';
  for (const ins of s.instructions) {
    if (ins.keyword === keyword) return dir;
    if (ins.keyword === 'WORKDIR') dir = ins.args;
  }
  return dir;
}
