/**
 * The published package: it ships what the README links to and what the bin needs, a LICENSE
 * that matches package.json, and declares every dependency install script it relies on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { license: string; files: string[]; bin: Record<string, string>; allowScripts: Record<string, boolean> };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean; dev?: boolean }> };

/** npm's rule for `files`: an entry ships itself and, for a folder, everything under it. */
const shipped = (path: string) => ['package.json', 'README.md', 'LICENSE'].includes(path) || pkg.files.some((f) => path === f || path.startsWith(`${f}/`));

describe('package.json', () => {
  it('ships every repository file the README links to', () => {
    const readme = readFileSync('README.md', 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    expect(links).toEqual(expect.arrayContaining(['slack/manifest.yaml', '.env.example', 'docs/connectors.md']));
    // The container files build from a source checkout (they copy src/): not in the package.
    for (const link of links.filter((l) => !['Dockerfile', 'compose.yaml'].includes(l))) {
      expect(existsSync(link), `README links to ${link}`).toBe(true);
      expect(shipped(link), `README links to ${link}`).toBe(true);
    }
  });

  it('ships the bin and the compiled code it imports', () => {
    for (const bin of Object.values(pkg.bin)) {
      expect(shipped(bin), bin).toBe(true);
      const imported = /from '\.\.\/(dist\/[^']+)'/.exec(readFileSync(bin, 'utf8'))?.[1];
      expect(imported && shipped(imported), `${bin} imports ${imported}`).toBe(true);
    }
  });

  it('has the Apache-2.0 LICENSE package.json names', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const license = readFileSync('LICENSE', 'utf8');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  it('allows the install scripts of the dependencies that have one (npm allowScripts), so npm runs them', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([path, p]) => path.startsWith('node_modules/') && p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('better-sqlite3');
    for (const name of withScripts) expect(pkg.allowScripts[name], name).toBe(true);
  });
});
