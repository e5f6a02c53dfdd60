/**
 * A line-based reader of the Dockerfile for the deployment tests: enough of the format to check
 * what the image does, not a full parser. Comment lines are dropped (also inside a continued
 * instruction, as Docker does) and `\`-continued lines are joined.
 */
import { readFileSync } from 'node:fs';

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY... */
  keyword: string;
  /** The text after the keyword. */
  args: string;
}

export interface Stage {
  name: string;
  /** The image the stage starts from, with build ARG defaults substituted. */
  base: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARG defaults declared before the first FROM. */
  args: Record<string, string>;
  stages: Stage[];
}

export function readDockerfile(path: string): Dockerfile {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    const continued = line.endsWith('\\');
    pending += (pending ? ' ' : '') + (continued ? line.slice(0, -1).trim() : line);
    if (continued) continue;
    const [keyword, ...rest] = pending.split(/\s+/);
    instructions.push({ keyword: keyword!.toUpperCase(), args: rest.join(' ') });
    pending = '';
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const [image, as, name] = ins.args.split(/\s+/);
      const base = image!.replace(/\$\{?(\w+)\}?/g, (_, v: string) => args[v] ?? '');
      stages.push({ name: as?.toUpperCase() === 'AS' ? name! : String(stages.length), base, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') {
        const [name, value] = ins.args.split('=');
        args[name!] = value ?? '';
      }
    } else {
      stages.at(-1)!.instructions.push(ins);
    }
  }
  return { args, stages };
}

/** The arguments of an exec-form instruction (`["node", "x"]`), else the shell form split on spaces. */
export function execArgs(args: string): string[] {
  const trimmed = args.trim();
  return trimmed.startsWith('[') ? (JSON.parse(trimmed) as string[]) : trimmed.split(/\s+/);
}

/** The instructions of one keyword in a stage. */
export function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

export interface Copy {
  /** The stage copied from (`--from=`), undefined for the build context. */
  from: string | undefined;
  sources: string[];
  destination: string;
}

/** A stage's COPY instructions, options read, sources and destination split. */
export function copies(stage: Stage): Copy[] {
  return all(stage, 'COPY').map((c) => {
    const words = c.args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
  });
}

/** ENV pairs of a stage (the `KEY=value ...` form). */
export function envOf(stage: Stage): Record<string, string> {
  return Object.fromEntries(all(stage, 'ENV').flatMap((e) => e.args.split(/\s+/).map((pair) => pair.split('=') as [string, string])));
}
