// What every page of a path goes through: a screenshot, its weight on a cold
// load, and axe-core's WCAG 2.2 A/AA rules. Pages are browsed with
// JavaScript turned off, as the portal needs none.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const artifactsDir = process.env.E2E_ARTIFACTS
  ? path.resolve(process.env.E2E_ARTIFACTS)
  : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

export const viewports = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 900 },
};

export const maxPageBytes = 150 * 1024;
export const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: install Debian's chromium (apt-get install chromium), or set CHROMIUM_PATH`);
  }
  // The machine's network is closed: Chromium must not try to reach out.
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const auditCache = new Map();

/** Every page visited in the run, for the report. */
export const visits = [];

/**
 * A person at a browser: one context with JavaScript off, the HTTP cache
 * disabled (so each page is measured as a cold load) and a second context,
 * with JavaScript on, where axe-core audits the same HTML.
 */
export class Visitor {
  static async open(browser, { base, viewport, who, path: pathName }) {
    const v = new Visitor();
    v.base = base;
    v.viewport = viewport;
    v.who = who;
    v.pathName = pathName;
    const options = { viewport: viewports[viewport], locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', baseURL: base };
    v.context = await browser.newContext({ ...options, javaScriptEnabled: false, acceptDownloads: true });
    v.page = await v.context.newPage();
    v.page.setDefaultTimeout(15_000);
    v.auditContext = await browser.newContext({ ...options, javaScriptEnabled: true });
    v.auditPage = await v.auditContext.newPage();
    v.auditPage.setDefaultTimeout(30_000);
    v.audits = Promise.resolve();
    await v.auditPage.route('**/*', (route) => {
      const req = route.request();
      if (req.isNavigationRequest() && v.pendingHTML !== undefined) {
        return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: v.pendingHTML });
      }
      return route.continue();
    });
    await v.startMeter();
    return v;
  }

  // Sums the bytes each page load transfers (encodedDataLength from the CDP
  // Network domain: headers and bodies as sent, fonts and images included),
  // one bucket per main-frame document.
  async startMeter() {
    this.cdp = await this.context.newCDPSession(this.page);
    await this.cdp.send('Network.enable');
    await this.cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const tree = await this.cdp.send('Page.getFrameTree');
    const mainFrame = tree.frameTree.frame.id;
    const byRequest = new Map();
    this.bucket = { bytes: 0, requests: [] };
    this.cdp.on('Network.requestWillBeSent', (e) => {
      if (e.redirectResponse) {
        const b = byRequest.get(e.requestId);
        if (b) b.bytes += e.redirectResponse.encodedDataLength || 0;
        return;
      }
      if (e.type === 'Document' && e.frameId === mainFrame) {
        this.bucket = { bytes: 0, requests: [] };
      }
      byRequest.set(e.requestId, this.bucket);
      this.bucket.requests.push(e.request.url);
    });
    this.cdp.on('Network.loadingFinished', (e) => {
      const b = byRequest.get(e.requestId);
      if (b) b.bytes += e.encodedDataLength;
    });
    this.cdp.on('Network.loadingFailed', (e) => {
      const b = byRequest.get(e.requestId);
      if (b && !e.canceled) b.failed = (b.failed || 0) + 1;
    });
  }

  get url() {
    return this.page.url();
  }

  /**
   * Records the page now shown as a step of the path: screenshot, weight
   * and axe audit. Failures are collected in the visit and checked by
   * assertPages at the end of the path, so that one run reports them all.
   */
  async step(name, { audit = true } = {}) {
    await this.page.waitForLoadState('load');
    const index = visits.filter((x) => x.viewport === this.viewport && x.path === this.pathName).length + 1;
    const visit = {
      viewport: this.viewport,
      path: this.pathName,
      who: this.who,
      name,
      url: new URL(this.page.url()).pathname + new URL(this.page.url()).search,
      bucket: this.bucket,
      violations: null,
    };
    visits.push(visit);
    const dir = path.join(artifactsDir, 'screenshots', this.viewport);
    fs.mkdirSync(dir, { recursive: true });
    const file = `${this.pathName}-${String(index).padStart(2, '0')}-${slug(name)}.png`;
    visit.screenshot = path.relative(artifactsDir, path.join(dir, file));
    await this.page.screenshot({ path: path.join(dir, file), fullPage: true });
    if (audit) {
      // The audit runs while the path goes on; close() waits for it.
      const html = await this.page.content();
      const url = this.page.url();
      this.audits = this.audits.then(() => this.audit(html, url)).then((v) => { visit.violations = v; });
    }
    return visit;
  }

  // axe-core needs JavaScript, which the browsing context has off: the
  // audit context loads the very HTML the page shows (the portal has no
  // script, so it is also what it renders) at the same address, with the
  // same style sheets, and audits that.
  async audit(html, url) {
    // The same HTML gets the same verdict: audit it once.
    const key = createHash('sha256').update(this.viewport).update(html).digest('hex');
    if (!auditCache.has(key)) auditCache.set(key, this.auditHTML(html, url));
    return auditCache.get(key);
  }

  async auditHTML(html, url) {
    this.pendingHTML = html;
    try {
      await this.auditPage.goto(url, { waitUntil: 'load' });
    } finally {
      this.pendingHTML = undefined;
    }
    const result = await new AxeBuilder({ page: this.auditPage }).withTags(axeTags).analyze();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200), summary: n.failureSummary })),
    }));
  }

  async close() {
    try {
      await this.audits;
    } finally {
      await this.context.close();
      await this.auditContext.close();
    }
  }
}

function slug(s) {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D')
    .toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** The problems of the pages of one path, as lines of text; empty if none. */
export function pageProblems(viewport, pathName) {
  const lines = [];
  for (const v of visits.filter((x) => x.viewport === viewport && x.path === pathName)) {
    if (v.bucket.bytes > maxPageBytes) {
      lines.push(`${v.name} (${v.url}) weighs ${kb(v.bucket.bytes)} on a cold load, over ${kb(maxPageBytes)}: ${v.bucket.requests.join(', ')}`);
    }
    for (const x of v.violations || []) {
      lines.push(`${v.name} (${v.url}): axe ${x.id} (${x.impact}) ${x.help} — ${x.helpUrl}`);
      for (const n of x.nodes.slice(0, 5)) lines.push(`    ${n.target}  ${n.html}\n      ${n.summary.replace(/\n/g, '\n      ')}`);
      if (x.nodes.length > 5) lines.push(`    and ${x.nodes.length - 5} more elements`);
    }
  }
  return lines;
}

export function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** Writes artifacts/report.md and returns it. */
export function writeReport(extra = []) {
  const rows = visits.map((v) => {
    const axe = v.violations === null ? 'not audited'
      : v.violations.length === 0 ? 'pass'
        : `FAIL: ${v.violations.map((x) => `${x.id} (${x.nodes.length})`).join(', ')}`;
    const weight = `${kb(v.bucket.bytes)}${v.bucket.bytes > maxPageBytes ? ' FAIL' : ''}`;
    return [v.viewport, v.path, v.who, v.name, v.url.length > 60 ? v.url.slice(0, 57) + '...' : v.url, weight, String(v.bucket.requests.length), axe];
  });
  const head = ['viewport', 'path', 'who', 'page', 'URL', 'weight (cold)', 'requests', `axe (${axeTags.join(', ')})`];
  const heaviest = visits.reduce((a, b) => (b.bucket.bytes > (a?.bucket.bytes ?? -1) ? b : a), null);
  const failing = visits.filter((v) => v.violations?.length).length;
  const unaudited = visits.filter((v) => v.violations === null).length;
  const md = [
    '# Browser tests: pages, weights and accessibility',
    '',
    `Chromium with JavaScript off; weight = bytes transferred on a cold load (HTTP cache disabled: every page, style sheet, image and font fetched again), limit ${kb(maxPageBytes)}.`,
    '',
    `${visits.length} pages visited; ${failing} with axe violations${unaudited ? `, ${unaudited} not audited` : ''}; heaviest: ${heaviest ? `${heaviest.name} (${heaviest.url}, ${heaviest.viewport}) ${kb(heaviest.bucket.bytes)}` : '—'}.`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
    '',
    ...extra,
    '',
  ].join('\n');
  fs.mkdirSync(artifactsDir, { recursive: true });
  fs.writeFileSync(path.join(artifactsDir, 'report.md'), md);
  return md;
}
