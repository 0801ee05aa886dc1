// Loads one page in Debian's headless Chromium, as a user's browser would, and writes the HAR of
// that page load: what tests/integration/test_browser_sessions.py records through the proxy and
// imports. It waits for the page to say it is done (document.title), stays a moment so that long
// requests (an EventSource) are seen open, then leaves the page and closes the browser.
// It must not download a browser, reach any address but the one given, or outlive its --timeout.
//
// node load_page.js URL [--har FILE] [--wait-title TEXT] [--timeout 20s] [--stay 1s]
// Exit 0 when the title was reached (and the HAR written), 1 on bad usage, 2 on a timeout or a
// browser that would not start, each with one line on stderr.
import { writeFileSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { harFromMessages } from 'chrome-har';

// The DevTools events chrome-har turns into a HAR, and the EventSource messages it leaves out
// (added back below, so the HAR's event-stream entry holds the events the page received).
const RECORDED_EVENTS = [
  'Page.frameStartedLoading', 'Page.frameRequestedNavigation', 'Page.navigatedWithinDocument',
  'Page.frameAttached', 'Page.loadEventFired', 'Page.domContentEventFired',
  'Network.requestWillBeSent', 'Network.requestServedFromCache', 'Network.requestWillBeSentExtraInfo',
  'Network.responseReceived', 'Network.responseReceivedExtraInfo', 'Network.dataReceived',
  'Network.loadingFinished', 'Network.loadingFailed', 'Network.resourceChangedPriority',
  'Network.eventSourceMessageReceived',
];

class UsageError extends Error {}

function parseDuration(text, flag) {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text ?? '');
  if (!match) throw new UsageError(`${flag}: "${text}" is no duration (e.g. 500ms, 20s, 1m)`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60000 }[match[2]];
}

function parseArgs(argv) {
  const options = { har: null, waitTitle: null, timeoutMs: 20000, stayMs: 1000, url: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${arg}: a value is missing`);
      return argv[++i];
    };
    if (arg === '--har') options.har = value();
    else if (arg === '--wait-title') options.waitTitle = value();
    else if (arg === '--timeout') options.timeoutMs = parseDuration(value(), arg);
    else if (arg === '--stay') options.stayMs = parseDuration(value(), arg);
    else if (arg.startsWith('--')) throw new UsageError(`${arg}: unknown flag`);
    else if (options.url === null) options.url = arg;
    else throw new UsageError(`${arg}: only one URL is loaded`);
  }
  if (!options.url || !/^https?:\/\//.test(options.url)) {
    throw new UsageError('usage: load_page.js http(s)://URL [--har FILE] [--wait-title TEXT] [--timeout 20s] [--stay 1s]');
  }
  return options;
}

function launchBrowser() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // --no-sandbox: tests run as root, where Chromium refuses its sandbox.
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--metrics-recording-only'],
  });
}

// Every DevTools event of RECORDED_EVENTS, in order, and each finished response's body (fetched
// at once: Chromium forgets a body soon after a navigation).
async function recordNetwork(page) {
  const client = await page.createCDPSession();
  const recording = { messages: [], bodies: new Map(), on: true };
  const { messages, bodies } = recording;
  for (const method of RECORDED_EVENTS) {
    client.on(method, params => recording.on && messages.push({ method, params }));
  }
  client.on('Network.loadingFinished', ({ requestId }) => {
    bodies.set(requestId, client.send('Network.getResponseBody', { requestId }).catch(() => null));
  });
  await client.send('Page.enable');
  await client.send('Network.enable');
  return recording;
}

// Requests still open when the page is left (an EventSource) get no loadingFinished from Chromium
// (none comes after a navigation either), so chrome-har would give them the time to their head
// only. They are ended here at the moment the page is left: their `time` is how long they were open.
function endOpenRequests(messages, leftAtWallSeconds) {
  const started = messages.find(m => m.method === 'Network.requestWillBeSent');
  if (!started) return;
  const leftAt = leftAtWallSeconds - (started.params.wallTime - started.params.timestamp);
  const ended = new Set(messages.filter(m => m.method === 'Network.loadingFinished' || m.method === 'Network.loadingFailed')
    .map(m => m.params.requestId));
  for (const { method, params } of [...messages]) {
    if (method === 'Network.responseReceived' && !ended.has(params.requestId)) {
      messages.push({ method: 'Network.loadingFinished',
                      params: { requestId: params.requestId, timestamp: leftAt, encodedDataLength: -1 } });
    }
  }
}

// The text an event stream carried, rebuilt from the messages Chromium dispatched (the body of a
// stream is not kept by DevTools): `event:` unless the type is the default, `id:` when set.
function eventStreamText(events) {
  return events.map(({ eventName, eventId, data }) => {
    const lines = [];
    if (eventName && eventName !== 'message') lines.push(`event: ${eventName}`);
    if (eventId) lines.push(`id: ${eventId}`);
    for (const line of String(data).split('\n')) lines.push(`data: ${line}`);
    return lines.join('\n') + '\n\n';
  }).join('');
}

// The wire headers of each request (requestWillBeSentExtraInfo: with Host and Connection), which
// chrome-har appends to the provisional ones instead of replacing them.
function wireRequestHeaders(messages) {
  const byRequest = new Map();
  for (const { method, params } of messages) {
    if (method === 'Network.requestWillBeSentExtraInfo' && params.headers) {
      byRequest.set(params.requestId, Object.entries(params.headers).map(([name, value]) => ({ name, value })));
    }
  }
  return byRequest;
}

function eventSourceMessages(messages) {
  const byRequest = new Map();
  let clock = null; // maps DevTools' monotonic timestamps to wall-clock seconds
  for (const { method, params } of messages) {
    if (method === 'Network.requestWillBeSent' && clock === null) clock = params.wallTime - params.timestamp;
    if (method !== 'Network.eventSourceMessageReceived') continue;
    const list = byRequest.get(params.requestId) ?? [];
    list.push({ time: (clock ?? 0) + params.timestamp, eventName: params.eventName, eventId: params.eventId,
                data: params.data });
    byRequest.set(params.requestId, list);
  }
  return byRequest;
}

async function buildHar(messages, bodies) {
  const har = harFromMessages(messages, { includeTextFromResponseBody: false });
  const headers = wireRequestHeaders(messages);
  const streams = eventSourceMessages(messages);
  for (const entry of har.log.entries) {
    const id = entry._requestId;
    if (headers.has(id)) entry.request.headers = headers.get(id);
    const content = entry.response.content;
    const events = streams.get(id);
    if (events) {
      // As DevTools keeps a WebSocket's frames in `_webSocketMessages`.
      entry._eventSourceMessages = events;
      content.text = eventStreamText(events);
      content.size = Buffer.byteLength(content.text);
      continue;
    }
    const body = bodies.has(id) ? await bodies.get(id) : null;
    if (body) {
      content.text = body.body;
      if (body.base64Encoded) content.encoding = 'base64';
      content.size = body.base64Encoded ? Buffer.from(body.body, 'base64').length : Buffer.byteLength(body.body);
    }
  }
  har.log.creator.comment = 'tests/browser/load_page.js (chrome-har, with bodies, wire request headers and EventSource messages)';
  return har;
}

async function waitForTitle(page, title) {
  if (title === null) return;
  await page.waitForFunction(wanted => document.title === wanted, { timeout: 0, polling: 50 }, title);
}

async function loadPage(browser, options) {
  const page = await browser.newPage();
  const recording = await recordNetwork(page);
  await page.goto(options.url, { waitUntil: 'load', timeout: 0 });
  await waitForTitle(page, options.waitTitle);
  await new Promise(resolve => setTimeout(resolve, options.stayMs));
  await Promise.all(recording.bodies.values());
  // What happens once the page is left (about:blank's own load events) is no part of this page.
  recording.on = false;
  endOpenRequests(recording.messages, Date.now() / 1000);
  // Leaving the page closes what it still holds open (the EventSource), as a user's leaving does.
  await page.goto('about:blank', { timeout: 0 });
  return buildHar(recording.messages, recording.bodies);
}

// Rejects with a one-line reason once the deadline passes, whatever the browser is doing.
function deadline(options, pageRef) {
  return new Promise((_, reject) => setTimeout(async () => {
    let title = '?';
    try { title = await Promise.race([pageRef.title(), new Promise(r => setTimeout(() => r('?'), 1000))]); } catch {}
    const waited = options.waitTitle === null ? 'the load event' : `document.title "${options.waitTitle}"`;
    reject(new Error(`${options.url}: ${waited} not reached within ${options.timeoutMs / 1000}s (title "${title}")`));
  }, options.timeoutMs).unref());
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  let browser;
  try {
    browser = await launchBrowser();
  } catch (error) {
    throw new Error(`cannot start Chromium: ${String(error.message).split('\n')[0]}`);
  }
  try {
    const pageRef = { title: async () => (await browser.pages()).at(-1)?.title() ?? '?' };
    const har = await Promise.race([loadPage(browser, options), deadline(options, pageRef)]);
    if (options.har) writeFileSync(options.har, JSON.stringify(har, null, 1));
    console.log(`load_page: ${options.url}: ${har.log.entries.length} entries` +
                (options.har ? ` written to ${options.har}` : ''));
  } finally {
    await Promise.race([browser.close(), new Promise(r => setTimeout(r, 3000))]);
    browser.process()?.kill('SIGKILL');
  }
}

main().then(() => process.exit(0), error => {
  console.error(`load_page: ${String(error.message).split('\n')[0]}`);
  process.exit(error instanceof UsageError ? 1 : 2);
});
