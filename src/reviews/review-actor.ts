/** Who is acting on a review item: resolved server-side from the Slack user or `--as`. */
export interface ReviewActor {
  /** Identity id when the directory knows the person, else their email. */
  id: string;
  email: string | null;
  slackId: string | null;
  /** For ledger lines: email, Slack id or id. */
  label: string;
}
