// The citizen's and the officials' paths with the keyboard alone: Tab and
// Shift+Tab to move, Enter to follow a link or submit, Space to press a
// button, tick a box or open the file chooser, the arrow keys to choose in
// a list or a radio group, and typing into the focused field. At every Tab
// the focused element must show a focus indicator and be in view.
import assert from 'node:assert/strict';
import { addresses, birthForm, citizenPassword, h1 } from './portal.mjs';
import { pdf, png } from './files.mjs';

const maxTabs = 200;

// What document.activeElement looks like: enough to tell whether its focus
// is visible and to name it in an error; and whether it is target.
function focusInfo(target) {
  const el = document.activeElement;
  if (!el || el === document.body) return { none: true };
  const cs = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const name = (el.labels && el.labels[0] ? el.labels[0].textContent : el.getAttribute('aria-label') || el.textContent || el.value || '')
    .replace(/\s+/g, ' ').trim().slice(0, 80);
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name,
    outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0 ? `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}` : '',
    shadow: cs.boxShadow !== 'none' ? cs.boxShadow : '',
    inView: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
    isTarget: el === target,
  };
}

/** Keyboard drives one page; it counts the keys pressed. */
export class Keyboard {
  constructor(page) {
    this.page = page;
    this.presses = 0;
    this.stops = 0;
    // Listening from the start has Playwright intercept file choosers
    // before any Space that opens one.
    page.on('filechooser', (c) => this.onChooser?.(c));
  }

  async press(key) {
    this.presses++;
    await this.page.keyboard.press(key);
  }

  async type(text) {
    await this.page.keyboard.type(text);
  }

  /** Checks that the focused element shows where the focus is. */
  async checkFocus(target) {
    const f = target ? await target.evaluate(focusInfo) : await this.page.evaluate(focusInfo, null);
    if (f.none) return f;
    this.stops++;
    const where = `${f.tag}${f.id ? `#${f.id}` : ''} “${f.name}” on ${this.page.url()}`;
    assert.ok(f.outline || f.shadow, `focus is not visible on ${where}: no outline nor box-shadow`);
    assert.ok(f.inView, `the focused ${where} is out of view`);
    return f;
  }

  /**
   * Presses Tab until target (a locator) has the focus, checking the focus
   * indicator at every stop. Fails after maxTabs presses.
   */
  async tabTo(target, { backwards = false } = {}) {
    for (let i = 0; i < maxTabs; i++) {
      await this.press(backwards ? 'Shift+Tab' : 'Tab');
      if ((await this.checkFocus(target)).isTarget) return;
    }
    throw new Error(`${target} never got the focus in ${maxTabs} presses of Tab on ${this.page.url()}`);
  }

  /** Tabs to a field and types text into it. */
  async fill(target, text) {
    await this.tabTo(target);
    await this.type(text);
    assert.equal(await target.inputValue(), text, `${target} holds what was typed`);
  }

  /**
   * Tabs to a list and moves to the option whose text contains part with
   * the arrow keys, as a keyboard user does.
   */
  async choose(select, part) {
    await this.tabTo(select);
    const { options, current } = await select.evaluate((el) => ({
      options: [...el.options].map((o) => o.textContent.trim()), current: el.selectedIndex,
    }));
    const want = options.findIndex((t) => t.includes(part));
    assert.ok(want >= 0, `no option with “${part}” in ${select}`);
    for (let i = current; i < want; i++) await this.press('ArrowDown');
    for (let i = current; i > want; i--) await this.press('ArrowUp');
    const chosen = await select.evaluate((el) => el.options[el.selectedIndex].textContent.trim());
    assert.ok(chosen.includes(part), `${select} shows “${chosen}”, not “${part}”`);
  }

  /** Tabs to a date field and types the date in the order the browser shows. */
  async date(target, iso, order) {
    await this.tabTo(target);
    const [y, m, d] = iso.split('-');
    const parts = { y, m, d };
    await this.type(order.map((p) => parts[p]).join(''));
    assert.equal(await target.inputValue(), iso, `${target} holds the date typed`);
  }

  /** Tabs to a file input, presses Space and picks files in the chooser. */
  async attach(target, files) {
    await this.tabTo(target);
    let timer;
    const opened = new Promise((resolve, reject) => {
      this.onChooser = resolve;
      timer = setTimeout(() => reject(new Error(`Space on ${target} opened no file chooser`)), 10_000);
    });
    await this.press('Space');
    const chooser = await opened.finally(() => clearTimeout(timer));
    await chooser.setFiles(files);
  }

  /**
   * Tabs into a radio group (on its first radio, when none is ticked),
   * ticks it with Space and moves to the radio named name with the arrow
   * keys, which tick as they move.
   */
  async radio(group, name) {
    const radios = group.getByRole('radio');
    await this.tabTo(radios.first());
    await this.press('Space');
    const names = await radios.evaluateAll((els) => els.map((e) => e.labels[0].textContent.trim()));
    const want = names.indexOf(name);
    assert.ok(want >= 0, `no radio “${name}” in ${names.join(' | ')}`);
    for (let i = 0; i < want; i++) await this.press('ArrowDown');
    const target = group.getByRole('radio', { name, exact: true });
    assert.ok(await target.isChecked(), `the keyboard ticks “${name}”`);
  }

  /** Tabs to a link or button and presses key (Enter or Space). */
  async activate(target, key = 'Enter') {
    await this.tabTo(target);
    await this.press(key);
  }
}

/**
 * The order in which a date field of this browser takes day, month and
 * year when typed into: Chromium follows its own locale, not the page's.
 */
export async function dateOrder(browser) {
  const ctx = await browser.newContext({ locale: 'vi-VN' });
  try {
    const page = await ctx.newPage();
    await page.setContent('<input type="date" id="d">');
    await page.focus('#d');
    await page.keyboard.type('01022003');
    const v = await page.inputValue('#d');
    if (v === '2003-01-02') return ['m', 'd', 'y'];
    if (v === '2003-02-01') return ['d', 'm', 'y'];
    throw new Error(`cannot tell how this browser's date fields take a date: typing 01022003 gave “${v}”`);
  } finally {
    await ctx.close();
  }
}

/**
 * The first-time citizen's path by keyboard: registration, search,
 * procedure, application form (with the address pickers, a list, dates
 * and two files) and submission. Returns the dossier's code.
 */
export async function keyboardCitizenPath(v, me, order) {
  const { page } = v;
  const kb = new Keyboard(page);
  await page.goto('/');
  await h1(page, 'Bạn cần làm thủ tục gì?').waitFor();

  // The first Tab lands on the skip link, which shows itself.
  await kb.press('Tab');
  const skip = await kb.checkFocus();
  assert.equal(skip.name, 'Bỏ qua, đến nội dung chính', 'the first Tab stop is the skip link');
  await v.step('Trang chủ: liên kết bỏ qua');
  // Enter on it skips the header: the next Tab is in the main content.
  await kb.press('Enter');
  await kb.press('Tab');
  await kb.checkFocus();
  assert.ok(await page.evaluate(() => document.querySelector('main').contains(document.activeElement)), 'the skip link skips to the main content');

  await kb.tabTo(page.getByRole('banner').getByRole('link', { name: 'Đăng nhập' }), { backwards: true });
  await kb.press('Enter');
  await h1(page, 'Đăng nhập').waitFor();
  await kb.activate(page.getByRole('main').getByRole('link', { name: 'Đăng ký tài khoản' }));
  await h1(page, 'Đăng ký tài khoản').waitFor();
  await kb.fill(page.getByLabel('Số định danh cá nhân'), me.idNumber);
  await kb.fill(page.getByLabel('Họ và tên'), me.fullName);
  await kb.date(page.getByLabel('Ngày sinh'), me.dateOfBirth, order);
  // Tab enters the radio group on its first radio; Space ticks it.
  const male = page.getByRole('group', { name: 'Giới tính' }).getByRole('radio', { name: 'Nam' });
  await kb.activate(male, 'Space');
  assert.ok(await male.isChecked(), 'Space ticks the radio');
  await kb.fill(page.getByLabel('Số điện thoại di động'), me.phone);
  await kb.fill(page.getByLabel('Thư điện tử'), me.email);
  await kb.fill(page.getByLabel('Mật khẩu', { exact: true }), citizenPassword);
  await kb.fill(page.getByLabel('Nhập lại mật khẩu'), citizenPassword);
  await v.step('Đăng ký: điền bằng bàn phím');
  await kb.activate(page.getByRole('button', { name: 'Đăng ký', exact: true }));
  await h1(page, 'Tài khoản của tôi').waitFor();

  await kb.activate(page.getByRole('navigation', { name: 'Cổng Dịch vụ công' }).getByRole('link', { name: 'Thủ tục', exact: true }));
  await h1(page, 'Kết quả tìm kiếm').waitFor();
  await kb.fill(page.getByRole('searchbox', { name: 'Tìm thủ tục hành chính' }), 'dang ky khai sinh');
  await kb.press('Enter');
  await page.getByRole('status').filter({ hasText: 'dang ky khai sinh' }).waitFor();
  await v.step('Tìm kiếm bằng bàn phím');
  await kb.activate(page.getByRole('link', { name: 'Thủ tục đăng ký khai sinh', exact: true }));
  await h1(page, 'Thủ tục đăng ký khai sinh').waitFor();
  await kb.activate(page.getByRole('link', { name: 'Nộp hồ sơ trực tuyến' }));
  await h1(page, 'Nộp hồ sơ trực tuyến').waitFor();

  const f = birthForm();
  const agency = page.getByRole('group', { name: '1. Nơi nộp hồ sơ' });
  await kb.choose(agency.getByLabel('Tỉnh, thành phố'), f.agencyProvince);
  await kb.activate(agency.getByRole('button', { name: 'Cập nhật danh sách' }), 'Space');
  await agency.getByLabel('Cơ quan tiếp nhận hồ sơ').waitFor();
  await kb.choose(agency.getByLabel('Cơ quan tiếp nhận hồ sơ'), f.commune);
  for (const name of addresses) {
    const g = page.getByRole('group', { name, exact: true });
    await kb.fill(g.getByLabel('Số nhà, đường, thôn, xóm'), f.street);
    await kb.choose(g.getByLabel('Tỉnh, thành phố'), f.province);
  }
  // Pressing a picker's button sends the form and shows it again with the
  // communes; the focus starts again from the top of the page.
  await kb.tabTo(page.getByRole('group', { name: addresses[3], exact: true }).getByRole('button', { name: 'Cập nhật danh sách' }));
  await kb.press('Space');
  await page.getByRole('group', { name: addresses[3], exact: true }).getByLabel('Xã, phường, thị trấn').waitFor();
  // Then every field in the order of the page, as Tab reaches them.
  const commune = (i) => ['commune', page.getByRole('group', { name: addresses[i], exact: true }).getByLabel('Xã, phường, thị trấn')];
  const field = (label) => [f.selects[label] ? 'select' : f.dates[label] ? 'date' : 'text', page.getByLabel(label, { exact: true }), label];
  const fields = [
    commune(0), field('Quan hệ với trẻ *'), field('Họ, chữ đệm và tên của trẻ *'), field('Ngày, tháng, năm sinh của trẻ *'),
    field('Giờ, phút sinh'), field('Giới tính của trẻ *'), field('Dân tộc của trẻ *'), field('Quốc tịch của trẻ *'),
    commune(1), commune(2), field('Họ, chữ đệm và tên người mẹ *'), field('Ngày, tháng, năm sinh của người mẹ *'),
    field('Dân tộc của người mẹ *'), field('Quốc tịch của người mẹ *'), field('Số định danh cá nhân của người mẹ *'),
    commune(3), field('Số bản sao Giấy khai sinh đề nghị cấp'),
  ];
  const childName = page.getByLabel('Họ, chữ đệm và tên của trẻ *', { exact: true });
  for (const [kind, target, label] of fields) {
    if (label === 'Họ, chữ đệm và tên của trẻ *') continue; // left empty, to see the error first
    if (kind === 'commune') await kb.choose(target, f.commune);
    else if (kind === 'select') await kb.choose(target, f.selects[label]);
    else if (kind === 'date') await kb.date(target, f.dates[label], order);
    else await kb.fill(target, f.texts[label]);
  }
  // Submitted with the child's name missing, the form comes back with the
  // focus on the error summary; its link takes the focus to the field.
  await kb.activate(page.getByRole('button', { name: 'Nộp hồ sơ', exact: true }));
  const summary = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'Vui lòng sửa các lỗi sau' }) });
  await summary.waitFor();
  assert.ok(await summary.evaluate((el) => el === document.activeElement), 'the focus starts on the error summary');
  await kb.checkFocus();
  await v.step('Nộp hồ sơ: lỗi, bàn phím');
  const errorText = (await page.locator(`[id="${await childName.getAttribute('aria-describedby')}"]`).textContent()).trim();
  await kb.activate(summary.getByRole('link', { name: errorText }));
  assert.ok(await childName.evaluate((el) => el === document.activeElement), 'the summary link moves the focus to the field');
  await kb.checkFocus();
  await kb.type(f.texts['Họ, chữ đệm và tên của trẻ *']);
  await kb.attach(page.getByLabel('Tờ khai đăng ký khai sinh'), { name: 'to-khai.pdf', mimeType: 'application/pdf', buffer: pdf('To khai') });
  await kb.attach(page.getByLabel('Giấy chứng sinh do cơ sở y tế cấp'), { name: 'giay-chung-sinh.png', mimeType: 'image/png', buffer: png() });
  await v.step('Nộp hồ sơ: điền bằng bàn phím');
  await kb.activate(page.getByRole('button', { name: 'Nộp hồ sơ', exact: true }));
  const heading = h1(page, /^Hồ sơ \S+-\d{6}-\d{4}$/);
  await heading.waitFor();
  await page.getByRole('link', { name: 'to-khai.pdf' }).waitFor();
  await page.getByRole('link', { name: 'giay-chung-sinh.png' }).waitFor();
  await v.step('Hồ sơ đã nộp bằng bàn phím');
  return { code: (await heading.textContent()).trim().replace(/^Hồ sơ /, ''), presses: kb.presses, stops: kb.stops };
}

/** Signs in from the home page by keyboard. */
export async function keyboardSignIn(v, kb, username, password) {
  const { page } = v;
  await page.goto('/');
  await kb.activate(page.getByRole('banner').getByRole('link', { name: 'Đăng nhập' }));
  await h1(page, 'Đăng nhập').waitFor();
  await kb.fill(page.getByLabel('Tên đăng nhập'), username);
  await kb.fill(page.getByLabel('Mật khẩu'), password);
  await kb.activate(page.getByRole('main').getByRole('button', { name: 'Đăng nhập' }));
  await page.getByRole('banner').getByRole('link', { name: 'Đăng nhập' }).waitFor({ state: 'detached' });
}

/**
 * One official's action on a dossier by keyboard: the one-stop desk, the
 * dossier, the action's radio, a comment, the checkbox to issue the result
 * (for the leader), and the button.
 */
export async function keyboardOfficialAction(v, { username, password, code, action, generateResult }) {
  const { page } = v;
  const kb = new Keyboard(page);
  await keyboardSignIn(v, kb, username, password);
  await kb.activate(page.getByRole('navigation', { name: 'Cổng Dịch vụ công' }).getByRole('link', { name: 'Một cửa' }));
  await h1(page, 'Hồ sơ của cơ quan').waitFor();
  await kb.activate(page.getByRole('link', { name: code, exact: true }));
  await h1(page, `Hồ sơ ${code}`).waitFor();
  const form = page.getByRole('region', { name: 'Xử lý hồ sơ' });
  await kb.radio(form.getByRole('group', { name: 'Thao tác' }), action);
  await kb.fill(form.getByLabel('Nội dung, lý do'), `${action} (bàn phím)`);
  if (generateResult) {
    const box = form.getByRole('checkbox', { name: 'Tạo kết quả điện tử từ mẫu của thủ tục' });
    await kb.activate(box, 'Space');
    assert.ok(await box.isChecked(), 'Space ticks the checkbox');
  }
  await v.step(`${action}: bàn phím`);
  await kb.activate(form.getByRole('button', { name: 'Thực hiện' }));
  await page.getByRole('status').filter({ hasText: 'Đã thực hiện.' }).waitFor();
  return kb;
}

/** The citizen opens the result and rates the service by keyboard. */
export async function keyboardRate(v, { username, password, code }) {
  const { page } = v;
  const kb = new Keyboard(page);
  await keyboardSignIn(v, kb, username, password);
  await kb.activate(page.getByRole('navigation', { name: 'Cổng Dịch vụ công' }).getByRole('link', { name: 'Hồ sơ của tôi' }));
  await h1(page, 'Hồ sơ của tôi').waitFor();
  await kb.activate(page.getByRole('link', { name: code, exact: true }));
  await h1(page, `Hồ sơ ${code}`).waitFor();
  const link = page.getByRole('link', { name: 'Tải kết quả điện tử' });
  const href = await link.getAttribute('href');
  const response = page.waitForResponse((r) => new URL(r.url()).pathname === href);
  await kb.activate(link);
  assert.equal((await response).status(), 200, 'Enter on the link opens the result');
  await page.waitForURL((u) => u.pathname === href);
  await page.waitForLoadState('load');
  await page.goBack();
  await h1(page, `Hồ sơ ${code}`).waitFor();
  const rate = page.getByRole('region', { name: 'Đánh giá mức độ hài lòng' });
  await kb.radio(rate.getByRole('group'), 'Rất hài lòng');
  await kb.fill(rate.getByLabel('Ý kiến góp ý (không bắt buộc)'), 'Làm được bằng bàn phím.');
  await kb.activate(rate.getByRole('button', { name: 'Gửi đánh giá' }));
  await page.getByText('Bạn đã đánh giá 5/5').waitFor();
  await v.step('Đánh giá: bàn phím');
  return kb;
}

/**
 * The payment of a dossier's fee by keyboard, from its page: the pay
 * button, the gateway's page (a bank chosen with the arrow keys, then
 * "Hủy giao dịch"), "Thanh toán lại" on the return page, "Thanh toán" at
 * the gateway, the e-receipt, back to the dossier and its public tracking
 * page.
 */
export async function keyboardPay(v, { code, total }) {
  const { page } = v;
  const kb = new Keyboard(page);
  const atGateway = async () => {
    await h1(page, 'Thông tin thanh toán').waitFor();
    assert.match(new URL(page.url()).pathname, /^\/sandbox\/vnpay\//, 'the payer is at the gateway');
  };
  await kb.activate(page.getByRole('region', { name: 'Phí, lệ phí' }).getByRole('button', { name: `Thanh toán trực tuyến ${total}` }));
  await atGateway();
  const bank = page.getByLabel('Ngân hàng hoặc phương thức thanh toán');
  await kb.choose(bank, await bank.locator('option').nth(1).textContent());
  await v.step('Cổng thanh toán: bàn phím');
  await kb.activate(page.getByRole('button', { name: 'Hủy giao dịch' }));
  await h1(page, 'Kết quả thanh toán').waitFor();
  await page.getByRole('heading', { level: 2, name: 'Bạn đã hủy thanh toán' }).waitFor();
  await v.step('Thanh toán đã hủy: bàn phím');
  await kb.activate(page.getByRole('button', { name: `Thanh toán lại ${total}` }));
  await atGateway();
  await kb.activate(page.getByRole('button', { name: 'Thanh toán', exact: true }));
  await h1(page, 'Kết quả thanh toán').waitFor();
  await page.getByRole('heading', { level: 2, name: 'Thanh toán thành công' }).waitFor();
  await v.step('Thanh toán thành công: bàn phím');
  // Enter on the link shows the e-receipt, a PDF, in the browser.
  const link = page.getByRole('link', { name: 'Tải biên lai điện tử (PDF)' });
  const href = await link.getAttribute('href');
  const response = page.waitForResponse((r) => new URL(r.url()).pathname === href);
  await kb.activate(link);
  const shown = await response;
  assert.equal(shown.status(), 200, 'Enter on the link opens the e-receipt');
  assert.equal(shown.headers()['content-type'], 'application/pdf', 'the e-receipt is a PDF');
  await page.waitForURL((u) => u.pathname === href);
  await page.waitForLoadState('load');
  await page.goBack();
  await h1(page, 'Kết quả thanh toán').waitFor();
  await kb.activate(page.getByRole('link', { name: 'Về trang hồ sơ' }));
  await h1(page, `Hồ sơ ${code}`).waitFor();
  await page.getByRole('region', { name: 'Phí, lệ phí' }).getByText(/^Đã thanh toán lúc /).waitFor();
  await kb.activate(page.getByRole('link', { name: 'Trang tra cứu công khai' }));
  await page.getByRole('heading', { level: 2, name: code }).waitFor();
  await page.locator('.details').getByText('Đã nộp phí', { exact: true }).waitFor();
  return kb;
}
