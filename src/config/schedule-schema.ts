import cron from 'node-cron';
import { z } from 'zod';

/** An IANA time zone name the runtime knows (Europe/Vaduz, UTC, ...). */
export const timeZone = z.string().refine(isTimeZone, { message: 'not a known IANA time zone (e.g. Europe/Vaduz)' });

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A node-cron expression (5 fields, or 6 with seconds) and the zone it is read in. */
export const scheduleSchema = z.strictObject({
  cron: z.string().refine((c) => cron.validate(c), { message: 'not a valid cron expression (e.g. "0 */6 * * *")' }),
  timezone: timeZone.optional(),
});
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

/** Ids used across files: lower-case letters, digits and dashes. */
export const idSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'an id: lower-case letters, digits and dashes, starting with a letter or digit');

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'an email address' }));
