/**
 * Reads a JSON text column. Columns are written by this adapter with JSON.stringify, so a
 * parse failure means the file was edited or corrupted: name the column in the error.
 */
export function parseJson<T>(text: string, column: string): T {
  // Most findings columns hold an empty list: skip the parser for it (a new array each time).
  if (text === '[]') return [] as T;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`sqlite store: column ${column} holds invalid JSON`, { cause: error });
  }
}
