/**
 * The yardstick: a bare Bolt 5 app over HTTP that acknowledges a slash command and posts one message, nothing more.
 * Run as its own process; prints `listening <port>` when ready.
 *
 *   SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… SLACK_API_URL=… PORT=… node --import tsx bench/support/bareBolt.ts
 */
import bolt from '@slack/bolt';

const app = new bolt.App({
  token: process.env.SLACK_BOT_TOKEN ?? '',
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL ?? '' },
  logLevel: bolt.LogLevel.ERROR,
});

app.command(/.*/, async ({ ack, command, client }) => {
  await ack();
  await client.chat.postMessage({ channel: process.env.CHANNEL ?? command.channel_id, text: `got ${command.command} ${command.text}` });
});

const port = Number(process.env.PORT ?? 0);
await app.start(port);
process.stdout.write(`listening ${port}\n`);
// exit on its own when asked, so that a run with --cpu-prof writes its profile
process.once('SIGTERM', () => process.exit(0));
