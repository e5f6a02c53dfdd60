/**
 * report.pdf: report.html printed by headless Chromium (its print stylesheet: A4, page breaks
 * between sections, no chart cut). Chromium is found through CHROMIUM_PATH, else on PATH
 * (chromium, chromium-browser, google-chrome, google-chrome-stable); `export --format pdf`
 * asks for it before writing anything, so a machine without it gets a clear error and no pack.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_ENV = 'CHROMIUM_PATH';
const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
/** Rendering a report of a few thousand rows takes seconds; a hung browser is stopped after this. */
const TIMEOUT_MS = 180_000;

/** No Chromium to print with: the message says where it was looked for and how to point at one. */
export class ChromiumMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChromiumMissingError';
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium executable to print with; throws ChromiumMissingError when there is none. */
export function findChromium(env: (name: string) => string | undefined): string {
  const given = env(CHROMIUM_ENV);
  if (given) {
    if (executable(given)) return given;
    throw new ChromiumMissingError(`--format pdf needs Chromium: ${CHROMIUM_ENV} is ${given}, which is not an executable file. Point ${CHROMIUM_ENV} at Chromium or Chrome, or export --format html (the same report)`);
  }
  for (const dir of (env('PATH') ?? '').split(delimiter).filter(Boolean)) {
    for (const name of NAMES) if (executable(join(dir, name))) return join(dir, name);
  }
  throw new ChromiumMissingError(`--format pdf needs Chromium, and none was found on PATH (${NAMES.join(', ')}). Install it (Debian: apt-get install chromium) or set ${CHROMIUM_ENV} to its executable, or export --format html (the same report)`);
}

/** Prints `htmlFile` to `pdfFile` with Chromium, then fsyncs it; throws when Chromium fails or writes no PDF. */
export async function renderPdf(chromium: string, htmlFile: string, pdfFile: string): Promise<void> {
  const profile = await mkdtemp(join(tmpdir(), 'iam-review-chromium-'));
  try {
    const args = [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions', '--disable-sync',
      '--disable-background-networking', '--disable-component-update', '--no-pdf-header-footer',
      `--user-data-dir=${profile}`, `--print-to-pdf=${pdfFile}`, pathToFileURL(htmlFile).href,
    ];
    await new Promise<void>((resolve, reject) => {
      execFile(chromium, args, { timeout: TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`Chromium (${chromium}) could not print report.html: ${error.message}${stderr ? `\n${String(stderr).trim().split('\n').slice(-5).join('\n')}` : ''}`));
        else resolve();
      });
    });
    const fh = await open(pdfFile, 'r').catch(() => null);
    if (!fh) throw new Error(`Chromium (${chromium}) wrote no PDF to ${pdfFile}`);
    try {
      const head = Buffer.alloc(5);
      await fh.read(head, 0, 5, 0);
      if (head.toString('latin1') !== '%PDF-') throw new Error(`Chromium (${chromium}) wrote something other than a PDF to ${pdfFile}`);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
