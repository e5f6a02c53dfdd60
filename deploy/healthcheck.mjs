// Health check of a running `serve` (the container image's HEALTHCHECK and compose's): exits 0
// when /healthz answers 2xx within 4 s, else prints why and exits 1. Plain Node, no dependencies:
// slim images have no curl.
//
// Port rule of `serve` (.env.example): in HTTP mode (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET,
// no SLACK_APP_TOKEN) /healthz is served on PORT beside /slack/events; otherwise (Socket Mode,
// no Slack) on HEALTH_PORT, which defaults to PORT. PORT defaults to 3000.
const env = (name) => process.env[name]?.trim() || undefined;
const httpMode = Boolean(env('SLACK_BOT_TOKEN') && env('SLACK_SIGNING_SECRET') && !env('SLACK_APP_TOKEN'));
const port = (httpMode ? undefined : env('HEALTH_PORT')) ?? env('PORT') ?? '3000';
const url = `http://127.0.0.1:${port}/healthz`;

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (!res.ok) console.log(`${url} answered ${res.status}`);
  process.exitCode = res.ok ? 0 : 1;
} catch (err) {
  console.log(`${url} did not answer: ${err.cause?.code ?? err.name}`);
  process.exitCode = 1;
}
