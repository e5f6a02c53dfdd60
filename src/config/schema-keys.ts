/**
 * The keys a zod schema knows at a path of its input: what an unknown key there could have
 * meant. Walks zod 4's schema definitions (objects, wrappers such as optional and default,
 * pipes from transforms, arrays, records, unions, intersections, lazy schemas); anything
 * else knows no keys. Used only to word an error: a shape it cannot follow yields [] and
 * the error is reported without a suggestion.
 */
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  items?: z.ZodType[];
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional', 'success']);

export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(schema, path, 0)) {
    for (const object of objects(s, 0)) for (const key of Object.keys(defOf(object).shape ?? {})) keys.add(key);
  }
  return [...keys];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schemas that may validate the value at `path` (several through a union). */
function schemasAt(schema: z.ZodType, path: readonly PropertyKey[], depth: number): z.ZodType[] {
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  return objects(schema, depth).flatMap((s) => {
    const def = defOf(s);
    const next =
      def.type === 'object' ? def.shape?.[String(head)]
      : def.type === 'array' ? def.element
      : def.type === 'record' ? def.valueType
      : def.type === 'tuple' && typeof head === 'number' ? def.items?.[head]
      : undefined;
    return next ? schemasAt(next, rest, depth + 1) : [];
  });
}

/** The containers (objects, arrays, records, tuples) a schema is, once wrappers and alternatives are unwrapped. */
function objects(schema: z.ZodType, depth: number): z.ZodType[] {
  if (depth > 64) return []; // a recursive lazy schema: stop rather than loop
  const def = defOf(schema);
  if (WRAPPERS.has(def.type) && def.innerType) return objects(def.innerType, depth + 1);
  if (def.type === 'pipe' && def.in) return objects(def.in, depth + 1);
  if (def.type === 'lazy' && def.getter) return objects(def.getter(), depth + 1);
  if (def.type === 'union') return (def.options ?? []).flatMap((o) => objects(o, depth + 1));
  if (def.type === 'intersection') return [def.left, def.right].flatMap((o) => (o ? objects(o, depth + 1) : []));
  return ['object', 'array', 'record', 'tuple'].includes(def.type) ? [schema] : [];
}
