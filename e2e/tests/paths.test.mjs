// The citizen's and the official's paths through the portal, in Debian's
// Chromium with JavaScript off, at phone and desktop size; every page is
// screenshot, weighed on a cold load and audited with axe-core (WCAG 2.2
// A and AA). See ../README.md.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, officials, officialPassword } from '../lib/server.mjs';
import { launchBrowser, Visitor, artifactsDir, pageProblems, writeReport } from '../lib/harness.mjs';
import { pdf, png } from '../lib/files.mjs';
import { addresses, birthForm, citizen, citizenPassword, copyForm, copyProcedure, fillCopyForm, h1, register, selectByText, signIn } from '../lib/portal.mjs';
import { dateOrder, keyboardCitizenPath, keyboardOfficialAction, keyboardPay, keyboardRate } from '../lib/keyboard.mjs';

let server;
let browser;
const started = Date.now();

before(async () => {
  fs.rmSync(artifactsDir, { recursive: true, force: true });
  fs.mkdirSync(artifactsDir, { recursive: true });
  server = await startServer(artifactsDir);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  const md = writeReport([`Run time: ${((Date.now() - started) / 1000).toFixed(0)} s.`,
    'Payment (path 3), at both sizes: the fee schedule on the form of 2.000635 (copies of a birth certificate, 8.000 đ a copy), '
      + 'the bill of 2 copies (16.000 đ) on the dossier, the sandbox VNPay gateway\'s page, a cancel, a second try paid, '
      + 'the e-receipt (a PDF), "Đã thanh toán" on the dossier and "Đã nộp phí" on its public tracking page; '
      + 'and the payment\'s pages by keyboard (desktop). Not tested in the browser: a fee paid at submission (1.004222), '
      + 'a failed or late IPN, a refund (the Go HTTP tests cover them).',
    'Document axis (path 4), at both sizes: the receiver of Phường Hoàn Kiếm opens "Văn bản liên thông" from the menu, '
      + 'sees the three demo documents in the inbox (1234/VPCP-KSTT delivered with receipt 01 "Đã đến", two in transit), '
      + 'opens 1234/VPCP-KSTT (its delivery and receipt, its trail: received, fetched, receipt; the signed edXML) '
      + 'and the empty outbox. Not tested in the browser: sending, pushes, recalls, the search form (the Go tests cover them).',
    'Reports (path 5), at both sizes: the commune\'s leader opens "Báo cáo" from the menu, sees the year\'s figures with the dossier '
      + 'of path 1 counted, the monthly chart, downloads the fields\' CSV, is told what to fix for a period 2026-13 and is refused '
      + 'another province\'s dashboard; anyone opens "Thống kê" (the rankings) and "Dữ liệu mở".']);
  console.log(`\n${md}`);
  console.log(`e2e: screenshots, report.md and server.log are in ${artifactsDir}`);
});

// Fills the birth registration form except the papers. The pickers work
// without JavaScript: choose the province, press "Cập nhật danh sách", then
// choose in the list it brings.
async function fillBirthForm(v, { leaveEmpty } = {}) {
  const { page } = v;
  const f = birthForm();
  const agency = page.getByRole('group', { name: '1. Nơi nộp hồ sơ' });
  await agency.getByLabel('Tỉnh, thành phố').selectOption({ label: f.agencyProvince });
  await agency.getByRole('button', { name: 'Cập nhật danh sách' }).click();
  await v.step('Nộp hồ sơ: danh sách cơ quan');
  await selectByText(agency.getByLabel('Cơ quan tiếp nhận hồ sơ'), f.commune);

  for (const name of addresses) {
    const g = page.getByRole('group', { name, exact: true });
    await g.getByLabel('Số nhà, đường, thôn, xóm').fill(f.street);
    await g.getByLabel('Tỉnh, thành phố').selectOption({ label: f.province });
  }
  await page.getByRole('group', { name: addresses[0], exact: true }).getByRole('button', { name: 'Cập nhật danh sách' }).click();
  await v.step('Nộp hồ sơ: danh sách xã, phường');
  for (const name of addresses) {
    await selectByText(page.getByRole('group', { name, exact: true }).getByLabel('Xã, phường, thị trấn'), f.commune);
  }
  for (const [label, value] of Object.entries(f.selects)) await page.getByLabel(label, { exact: true }).selectOption(value);
  for (const [label, value] of [...Object.entries(f.dates), ...Object.entries(f.texts)]) {
    if (label !== leaveEmpty) await page.getByLabel(label, { exact: true }).fill(value);
  }
}

// The sandbox gateway's payer page: what is paid, to whom, and the two
// buttons.
async function sandboxPage(v, step, f) {
  const { page } = v;
  await h1(page, 'Thông tin thanh toán').waitFor();
  assert.match(new URL(page.url()).pathname, /^\/sandbox\/vnpay\//, 'the payer is at the gateway');
  assert.equal((await page.locator('dd.amount').textContent()).trim(), f.total.replace(' đ', ' ₫'), 'the gateway asks for the bill');
  await page.getByRole('button', { name: 'Hủy giao dịch' }).waitFor();
  await v.step(step);
}

function assertNoPageProblems(viewport, pathName) {
  const problems = pageProblems(viewport, pathName);
  assert.equal(problems.length, 0, `pages of the ${pathName} path at ${viewport} size:\n${problems.join('\n')}`);
}

const dossiers = {};

// The documents `egov serve --demo` puts on the document axis for Phường
// Hoàn Kiếm (demo/exchange.go), oldest first.
const exchangeSamples = [
  { number: '1234/VPCP-KSTT', sender: 'Văn phòng Chính phủ', state: 'Đã chuyển đến', receipt: 'Đã đến',
    subject: 'V/v đẩy mạnh cung cấp dịch vụ công trực tuyến toàn trình và số hóa hồ sơ, kết quả giải quyết thủ tục hành chính' },
  { number: '56/TB-VPCP', sender: 'Văn phòng Chính phủ', state: 'Đang chuyển', receipt: 'chưa có' },
  { number: '245/KH-UBND', sender: 'Ủy ban nhân dân Thành phố Hà Nội', state: 'Đang chuyển', receipt: 'chưa có' },
];

function extension(contentType = '') {
  return { 'application/pdf': '.pdf', 'image/png': '.png', 'image/jpeg': '.jpg' }[contentType.split(';')[0]] || '';
}

for (const [n, viewport] of [[1, 'phone'], [2, 'desktop']]) {
  describe(`at ${viewport} size`, () => {
    test('1. a first-time citizen registers, applies for a birth registration and tracks it', async () => {
      const me = citizen(n);
      const v = await Visitor.open(browser, { base: server.base, viewport, who: 'citizen', path: 'citizen' });
      const { page } = v;
      try {
        await page.goto('/');
        await h1(page, 'Bạn cần làm thủ tục gì?').waitFor();
        await v.step('Trang chủ');
        await page.getByRole('banner').getByRole('link', { name: 'Đăng nhập' }).click();
        await h1(page, 'Đăng nhập').waitFor();
        await v.step('Đăng nhập');
        await page.getByRole('main').getByRole('link', { name: 'Đăng ký tài khoản' }).click();
        await h1(page, 'Đăng ký tài khoản').waitFor();
        await v.step('Đăng ký tài khoản');

        await page.getByLabel('Số định danh cá nhân').fill(me.idNumber);
        await page.getByLabel('Họ và tên').fill(me.fullName);
        await page.getByLabel('Ngày sinh').fill(me.dateOfBirth);
        await page.getByRole('group', { name: 'Giới tính' }).getByRole('radio', { name: 'Nam' }).check();
        await page.getByLabel('Số điện thoại di động').fill(me.phone);
        await page.getByLabel('Thư điện tử').fill(me.email);
        await page.getByLabel('Mật khẩu', { exact: true }).fill(citizenPassword);
        await page.getByLabel('Nhập lại mật khẩu').fill(citizenPassword);
        await page.getByRole('button', { name: 'Đăng ký' }).click();
        await h1(page, 'Tài khoản của tôi').waitFor();
        await v.step('Tài khoản vừa tạo');

        await page.getByRole('navigation', { name: 'Cổng Dịch vụ công' }).getByRole('link', { name: 'Trang chủ' }).click();
        await h1(page, 'Bạn cần làm thủ tục gì?').waitFor();
        await page.getByRole('searchbox', { name: 'Tìm thủ tục hành chính' }).fill('dang ky khai sinh');
        await page.getByRole('button', { name: 'Tìm kiếm' }).click();
        await h1(page, 'Kết quả tìm kiếm').waitFor();
        await v.step('Tìm kiếm “dang ky khai sinh”');
        await page.getByRole('link', { name: 'Thủ tục đăng ký khai sinh', exact: true }).click();
        await h1(page, 'Thủ tục đăng ký khai sinh').waitFor();
        await v.step('Thủ tục đăng ký khai sinh');
        await page.getByRole('link', { name: 'Nộp hồ sơ trực tuyến' }).click();
        await h1(page, 'Nộp hồ sơ trực tuyến').waitFor();
        await v.step('Nộp hồ sơ: biểu mẫu');

        // The form with a required field left empty: the error summary at
        // the top links to the field, and the error is next to it.
        await fillBirthForm(v, { leaveEmpty: 'Họ, chữ đệm và tên của trẻ *' });
        await page.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
        const summary = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'Vui lòng sửa các lỗi sau' }) });
        await summary.waitFor();
        assert.ok(await summary.evaluate((el) => el === document.activeElement), 'the focus starts on the error summary');
        await v.step('Nộp hồ sơ: thiếu tên của trẻ');
        const childName = page.getByLabel('Họ, chữ đệm và tên của trẻ *');
        assert.equal(await childName.getAttribute('aria-invalid'), 'true', 'the empty field is marked invalid');
        const errorId = await childName.getAttribute('aria-describedby');
        const fieldError = page.locator(`[id="${errorId}"]`);
        const errorText = (await fieldError.textContent()).trim();
        assert.ok(errorText.length > 0, 'the error is next to the field');
        assert.equal(await fieldError.evaluate((e) => e.closest('.field')?.querySelector('input')?.id), await childName.getAttribute('id'));
        const link = summary.getByRole('link', { name: errorText });
        assert.equal(await link.getAttribute('href'), `#${await childName.getAttribute('id')}`, 'the summary links to the field');
        assert.equal(await page.getByLabel('Dân tộc của trẻ *').inputValue(), 'Kinh', 'what was typed is kept');

        await childName.fill('Nguyễn Minh Khôi');
        await page.getByLabel('Tờ khai đăng ký khai sinh').setInputFiles({ name: 'to-khai-khai-sinh.pdf', mimeType: 'application/pdf', buffer: pdf('To khai dang ky khai sinh') });
        await page.getByLabel('Giấy chứng sinh do cơ sở y tế cấp').setInputFiles({ name: 'giay-chung-sinh.png', mimeType: 'image/png', buffer: png() });
        await page.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
        const heading = h1(page, /^Hồ sơ \S+-\d{6}-\d{4}$/);
        await heading.waitFor();
        const code = (await heading.textContent()).trim().replace(/^Hồ sơ /, '');
        dossiers[viewport] = { code, citizen: me };
        await v.step('Hồ sơ đã nộp');
        await page.getByRole('status').filter({ hasText: 'Đã nộp hồ sơ' }).waitFor();
        // The appointment date, dd/mm/yyyy.
        const due = await page.locator('.facts > div').filter({ hasText: 'Ngày hẹn trả kết quả' }).locator('strong').textContent();
        assert.match(due.trim(), /^\d{2}\/\d{2}\/\d{4}$/, 'the appointment date is shown');
        await page.getByRole('link', { name: 'to-khai-khai-sinh.pdf' }).waitFor();
        await page.getByRole('link', { name: 'giay-chung-sinh.png' }).waitFor();
        const receipt = await page.request.get(await page.getByRole('link', { name: 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả' }).getAttribute('href'));
        assert.equal(receipt.status(), 200);
        assert.equal(receipt.headers()['content-type'], 'application/pdf');
        assert.ok((await receipt.body()).subarray(0, 5).toString() === '%PDF-', 'the receipt is a PDF');

        // Signed out, anyone tracks the dossier by its code.
        await page.getByRole('banner').getByRole('link', { name: me.fullName }).click();
        await h1(page, 'Tài khoản của tôi').waitFor();
        await v.step('Tài khoản');
        await page.getByRole('button', { name: 'Đăng xuất', exact: true }).click();
        await h1(page, 'Bạn cần làm thủ tục gì?').waitFor();
        await v.step('Trang chủ: đã đăng xuất');
        await page.getByRole('banner').getByRole('link', { name: 'Đăng nhập' }).waitFor();
        await page.getByRole('navigation', { name: 'Cổng Dịch vụ công' }).getByRole('link', { name: 'Tra cứu hồ sơ' }).click();
        await h1(page, 'Tra cứu hồ sơ').waitFor();
        await v.step('Tra cứu hồ sơ');
        await page.getByRole('searchbox', { name: 'Mã hồ sơ' }).fill(code);
        await page.getByRole('button', { name: 'Tra cứu', exact: true }).click();
        await page.getByRole('heading', { level: 2, name: code }).waitFor();
        await page.getByText('Chờ tiếp nhận').first().waitFor();
        await v.step('Tra cứu: kết quả');
      } finally {
        await v.close();
      }
      assertNoPageProblems(viewport, 'citizen');
    });

    test('2. the commune processes it; the citizen downloads the result and rates it', async (t) => {
      const d = dossiers[viewport];
      if (!d) return t.skip('path 1 did not submit a dossier');
      for (const [role, action, step] of [
        ['receiver', 'Tiếp nhận hồ sơ', 'Tiếp nhận'],
        ['specialist', 'Chuyển trình', 'Thẩm định, chuyển trình'],
        ['leader', 'Phê duyệt', 'Phê duyệt'],
        ['receiver', 'Trả kết quả', 'Trả kết quả'],
      ]) {
        const v = await Visitor.open(browser, { base: server.base, viewport, who: role, path: 'official' });
        const { page } = v;
        try {
          await signIn(v, officials[role].username, officialPassword);
          await v.step(`${step}: đã đăng nhập`);
          await page.getByRole('navigation', { name: 'Cổng Dịch vụ công' }).getByRole('link', { name: 'Một cửa' }).click();
          await h1(page, 'Hồ sơ của cơ quan').waitFor();
          await v.step(`${step}: hàng đợi`);
          await page.getByRole('link', { name: d.code, exact: true }).click();
          await h1(page, `Hồ sơ ${d.code}`).waitFor();
          await v.step(`${step}: hồ sơ`);
          const form = page.getByRole('region', { name: 'Xử lý hồ sơ' });
          await form.getByRole('radio', { name: action, exact: true }).check();
          await form.getByLabel('Nội dung, lý do').fill(`${step} — kiểm thử trình duyệt`);
          if (role === 'leader') {
            await form.getByRole('checkbox', { name: 'Tạo kết quả điện tử từ mẫu của thủ tục' }).check();
          }
          await form.getByRole('button', { name: 'Thực hiện' }).click();
          await page.getByRole('status').filter({ hasText: 'Đã thực hiện.' }).waitFor();
          await page.getByRole('region', { name: 'Quá trình xử lý' }).getByText(action, { exact: true }).waitFor();
          await v.step(`${step}: đã thực hiện`);
        } finally {
          await v.close();
        }
      }

      const v = await Visitor.open(browser, { base: server.base, viewport, who: 'citizen', path: 'official' });
      const { page } = v;
      try {
        await signIn(v, d.citizen.idNumber, citizenPassword);
        await v.step('Công dân: đã đăng nhập');
        await page.getByRole('navigation', { name: 'Cổng Dịch vụ công' }).getByRole('link', { name: 'Hồ sơ của tôi' }).click();
        await h1(page, 'Hồ sơ của tôi').waitFor();
        await v.step('Công dân: hồ sơ của tôi');
        await page.getByRole('link', { name: d.code, exact: true }).click();
        await h1(page, `Hồ sơ ${d.code}`).waitFor();
        await page.getByText('Đã trả kết quả').first().waitFor();
        await v.step('Công dân: hồ sơ có kết quả');
        const result = page.getByRole('region', { name: 'Kết quả giải quyết' }).getByRole('link', { name: 'Tải kết quả điện tử' });
        // Following the link shows the result (a PDF) in the browser; the
        // same request again, with the citizen's cookies, keeps the file.
        const href = await result.getAttribute('href');
        const response = page.waitForResponse((r) => new URL(r.url()).pathname === href);
        await result.click();
        const shown = await response;
        assert.equal(shown.status(), 200, 'the result opens');
        const res = await page.request.get(href);
        const type = res.headers()['content-type'];
        assert.equal(type, shown.headers()['content-type']);
        const body = await res.body();
        assert.ok(body.length > 100, 'the result is not empty');
        if (type === 'application/pdf') assert.equal(body.subarray(0, 5).toString(), '%PDF-', 'the result is a PDF');
        fs.writeFileSync(path.join(artifactsDir, `ket-qua-${viewport}${extension(type)}`), body);
        await page.goBack();
        await h1(page, `Hồ sơ ${d.code}`).waitFor();

        const rate = page.getByRole('region', { name: 'Đánh giá mức độ hài lòng' });
        await rate.getByRole('radio', { name: 'Rất hài lòng' }).check();
        await rate.getByLabel('Ý kiến góp ý (không bắt buộc)').fill('Nhanh, đúng hẹn.');
        await rate.getByRole('button', { name: 'Gửi đánh giá' }).click();
        await page.getByText('Bạn đã đánh giá 5/5').waitFor();
        await v.step('Công dân: đã đánh giá');
      } finally {
        await v.close();
      }
      assertNoPageProblems(viewport, 'official');
    });

    test('3. a citizen applies for two copies of a birth certificate and pays the fee online, cancelling once', async () => {
      const me = citizen(n + 3);
      const f = copyForm();
      const v = await Visitor.open(browser, { base: server.base, viewport, who: 'citizen', path: 'payment' });
      const { page } = v;
      try {
        await register(v, me);
        await page.getByRole('navigation', { name: 'Cổng Dịch vụ công' }).getByRole('link', { name: 'Trang chủ' }).click();
        await page.getByRole('searchbox', { name: 'Tìm thủ tục hành chính' }).fill('ban sao giay khai sinh');
        await page.getByRole('button', { name: 'Tìm kiếm' }).click();
        await h1(page, 'Kết quả tìm kiếm').waitFor();
        await v.step('Tìm kiếm “ban sao giay khai sinh”');
        await page.getByRole('link', { name: copyProcedure.name, exact: true }).click();
        await h1(page, copyProcedure.name).waitFor();
        await v.step('Thủ tục cấp bản sao');
        await page.getByRole('link', { name: 'Nộp hồ sơ trực tuyến' }).click();
        await h1(page, 'Nộp hồ sơ trực tuyến').waitFor();
        await fillCopyForm(v, f);
        // Before submitting, the form says what is due, per copy, and when.
        const schedule = page.getByRole('region', { name: '4. Phí, lệ phí' });
        await schedule.getByText(/8\.000 đ\/bản × số bản sao đề nghị cấp/).waitFor();
        await schedule.getByText('trước khi nhận kết quả', { exact: false }).waitFor();
        await page.getByLabel('Tờ khai cấp bản sao trích lục hộ tịch').setInputFiles({ name: 'to-khai-ban-sao.pdf', mimeType: 'application/pdf', buffer: pdf('To khai cap ban sao') });
        await v.step('Nộp hồ sơ: biểu mẫu có phí, lệ phí');
        await page.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
        const heading = h1(page, /^Hồ sơ \S+-\d{6}-\d{4}$/);
        await heading.waitFor();
        const code = (await heading.textContent()).trim().replace(/^Hồ sơ /, '');

        // The bill: 2 copies × 8.000 đ, and the button that pays it.
        const fee = page.getByRole('region', { name: 'Phí, lệ phí' });
        await fee.getByRole('cell', { name: /^2 bản × 8\.000 đ$/ }).waitFor();
        assert.equal((await fee.locator('tfoot td').textContent()).trim(), f.total, 'the bill totals 16.000 đ');
        await v.step('Hồ sơ đã nộp: phí phải nộp');
        await fee.getByRole('button', { name: `Thanh toán trực tuyến ${f.total}` }).click();

        // The gateway's page (the sandbox's, served by egov itself).
        await sandboxPage(v, 'Cổng thanh toán', f);
        await page.getByRole('button', { name: 'Hủy giao dịch' }).click();
        await h1(page, 'Kết quả thanh toán').waitFor();
        await page.getByRole('heading', { level: 2, name: 'Bạn đã hủy thanh toán' }).waitFor();
        await page.getByText('Không có khoản tiền nào bị thu.').waitFor();
        await v.step('Thanh toán: đã hủy');
        await page.getByRole('button', { name: `Thanh toán lại ${f.total}` }).click();

        await sandboxPage(v, 'Cổng thanh toán: lần hai', f);
        await page.getByLabel('Ngân hàng hoặc phương thức thanh toán').selectOption({ index: 1 });
        await page.getByRole('button', { name: 'Thanh toán', exact: true }).click();
        await h1(page, 'Kết quả thanh toán').waitFor();
        await page.getByRole('heading', { level: 2, name: 'Thanh toán thành công' }).waitFor();
        await page.getByText(`Đã nhận ${f.total} cho hồ sơ ${code}.`).waitFor();
        await v.step('Thanh toán: thành công');
        const receipt = await page.request.get(await page.getByRole('link', { name: 'Tải biên lai điện tử (PDF)' }).getAttribute('href'));
        assert.equal(receipt.status(), 200, 'the e-receipt downloads');
        assert.equal(receipt.headers()['content-type'], 'application/pdf', 'the e-receipt is sent as a PDF');
        const body = await receipt.body();
        assert.equal(body.subarray(0, 5).toString(), '%PDF-', 'the e-receipt is a PDF');
        fs.writeFileSync(path.join(artifactsDir, `bien-lai-${viewport}.pdf`), body);

        await page.getByRole('link', { name: 'Về trang hồ sơ' }).click();
        await h1(page, `Hồ sơ ${code}`).waitFor();
        await fee.getByText(/^Đã thanh toán lúc /).waitFor();
        assert.equal(await fee.getByRole('button', { name: /Thanh toán/ }).count(), 0, 'nothing is left to pay');
        // The attempts: the paid one with its receipt, the cancelled one
        // without the gateway's "0" for a transaction number.
        const attempts = fee.getByRole('listitem');
        await attempts.filter({ hasText: 'Đã thanh toán' }).getByRole('link', { name: /^Biên lai / }).waitFor();
        assert.doesNotMatch(await attempts.filter({ hasText: 'Đã hủy' }).textContent(), /mã giao dịch/, 'a cancelled attempt has no transaction');
        const history = page.getByRole('region', { name: 'Quá trình xử lý' });
        await history.getByText('Nộp phí, lệ phí trực tuyến', { exact: true }).waitFor();
        await v.step('Hồ sơ: đã thanh toán');

        await page.getByRole('link', { name: 'Trang tra cứu công khai' }).click();
        await page.getByRole('heading', { level: 2, name: code }).waitFor();
        assert.equal(new URL(page.url()).search, `?ma=${code}`);
        await page.locator('.details').getByText('Đã nộp phí', { exact: true }).waitFor();
        await page.locator('.timeline').getByRole('listitem').filter({ hasText: 'Nộp phí, lệ phí trực tuyến →' }).waitFor();
        await v.step('Tra cứu: đã nộp phí');
      } finally {
        await v.close();
      }
      assertNoPageProblems(viewport, 'payment');
    });

    test('4. the commune\'s receiver follows the documents received over the document axis', async () => {
      const v = await Visitor.open(browser, { base: server.base, viewport, who: 'receiver', path: 'exchange' });
      const { page } = v;
      try {
        await signIn(v, officials.receiver.username, officialPassword);
        await page.getByRole('navigation', { name: 'Cổng Dịch vụ công' }).getByRole('link', { name: 'Văn bản liên thông' }).click();
        await h1(page, 'Văn bản liên thông').waitFor();
        const tabs = page.getByRole('navigation', { name: 'Văn bản liên thông' });
        assert.equal(await tabs.getByRole('link', { name: 'Văn bản đến' }).getAttribute('aria-current'), 'page', 'the inbox is shown first');
        // The demo's documents, newest first: from Hà Nội, then twice from
        // the Government Office.
        const cards = page.locator('ul.cards > li');
        assert.deepEqual((await cards.getByRole('link').allTextContents()).map((t) => t.trim()), exchangeSamples.map((d) => d.number).reverse());
        for (const d of exchangeSamples) {
          const card = cards.filter({ has: page.getByRole('link', { name: d.number, exact: true }) });
          await card.getByText(`Nơi gửi: ${d.sender}`).waitFor();
          await card.getByText(d.state, { exact: true }).waitFor();
          await card.getByText(`Báo trạng thái: ${d.receipt}`).waitFor();
        }
        await v.step('Liên thông: văn bản đến');

        const [d] = exchangeSamples;
        await cards.getByRole('link', { name: d.number, exact: true }).click();
        await h1(page, d.number).waitFor();
        await page.getByText(d.subject, { exact: true }).waitFor();
        const row = page.getByRole('region', { name: 'Chuyển đến nơi nhận' }).getByRole('row', { name: /Phường Hoàn Kiếm/ });
        await row.getByText('Đã chuyển đến', { exact: true }).waitFor();
        await row.getByRole('cell', { name: 'Đã đến', exact: true }).waitFor();
        // The trail: received, fetched by the commune, answered "arrived".
        const trail = page.getByRole('region', { name: 'Nhật ký thông điệp' }).getByRole('listitem');
        assert.deepEqual(await trail.locator('strong').allTextContents(), ['Trục nhận văn bản', 'Đã chuyển đến nơi nhận', 'Báo trạng thái']);
        await trail.filter({ hasText: 'Báo trạng thái' }).getByText(/Phường Hoàn Kiếm báo: Đã đến/).waitFor();
        const xml = await page.request.get(await page.getByRole('link', { name: 'Tải văn bản điện tử đã ký số (edXML)' }).getAttribute('href'));
        assert.equal(xml.status(), 200, 'the signed edXML downloads');
        assert.match(xml.headers()['content-type'], /^application\/xml/);
        const body = await xml.text();
        assert.ok(body.includes('<edXML:CodeNumber>1234</edXML:CodeNumber>') && body.includes('SignatureValue'), 'the edXML is the document, signed');
        await v.step(`Liên thông: văn bản ${d.number}`);

        await page.getByRole('navigation', { name: 'breadcrumb' }).getByRole('link', { name: /Văn bản đến/ }).click();
        await h1(page, 'Văn bản liên thông').waitFor();
        await tabs.getByRole('link', { name: 'Văn bản đi' }).click();
        await page.getByText(/^Chưa có văn bản đi\./).waitFor();
        await v.step('Liên thông: văn bản đi');
      } finally {
        await v.close();
      }
      assertNoPageProblems(viewport, 'exchange');
    });

    test('5. the commune\'s leader reads its dashboard; anyone reads the public statistics', async () => {
      const v = await Visitor.open(browser, { base: server.base, viewport, who: 'leader', path: 'report' });
      const { page } = v;
      try {
        await signIn(v, officials.leader.username, officialPassword);
        await page.getByRole('navigation', { name: 'Cổng Dịch vụ công' }).getByRole('link', { name: 'Báo cáo' }).click();
        await h1(page, 'Ủy ban nhân dân Phường Hoàn Kiếm').waitFor();
        await page.getByText(/^Kỳ báo cáo: Năm \d{4}/).waitFor();
        // Paths 1 and 2 at this size have had a dossier received (and, at
        // phone size, finished) at the commune this year.
        const received = page.locator('.stats > div').filter({ has: page.getByText('Hồ sơ tiếp nhận', { exact: true }) }).locator('dd').first();
        assert.ok(Number((await received.textContent()).replace(/\./g, '')) >= 1, 'the dossier of path 1 is counted');
        await page.getByRole('img', { name: 'Hồ sơ tiếp nhận và giải quyết theo tháng' }).waitFor();
        await v.step('Báo cáo: năm nay');
        const csv = await page.request.get(await page.getByRole('region', { name: 'Theo lĩnh vực' }).getByRole('link', { name: 'Tải bảng số liệu (CSV)' }).getAttribute('href'));
        assert.equal(csv.status(), 200, 'the CSV downloads');
        assert.match(csv.headers()['content-type'], /^text\/csv/);
        assert.ok((await csv.text()).includes('Hộ tịch'), 'the birth registration is counted under civil status');
        await page.getByLabel('Kỳ báo cáo').fill('2026-13');
        await page.getByRole('button', { name: 'Xem' }).click();
        await page.locator('#e-ky').getByText(/Kỳ báo cáo phải là một tháng/).waitFor();
        await v.step('Báo cáo: kỳ không hợp lệ');
        await page.goto('/bao-cao/000.00.00.H41');
        await page.getByText(/chỉ xem được báo cáo của cơ quan mình/).waitFor();
        await v.step('Báo cáo: cơ quan khác');
      } finally {
        await v.close();
      }
      const p = await Visitor.open(browser, { base: server.base, viewport, who: 'anyone', path: 'statistics' });
      try {
        await p.page.goto('/');
        await p.page.getByRole('navigation', { name: 'Cổng Dịch vụ công' }).getByRole('link', { name: 'Thống kê' }).click();
        await h1(p.page, 'Thống kê dịch vụ công').waitFor();
        await p.page.getByRole('region', { name: 'Xếp hạng các tỉnh, thành phố' }).getByRole('row', { name: /Thành phố Hà Nội/ }).waitFor();
        await p.step('Thống kê công khai');
        await p.page.getByRole('link', { name: 'Dữ liệu mở', exact: true }).click();
        await h1(p.page, 'Dữ liệu mở').waitFor();
        await p.step('Dữ liệu mở');
      } finally {
        await p.close();
      }
      assertNoPageProblems(viewport, 'report');
      assertNoPageProblems(viewport, 'statistics');
    });
  });
}

describe('keyboard only', () => {
  const viewport = 'desktop';
  const me = citizen(3);
  let code;
  test(`the citizen registers, searches, fills the form and submits with Tab, Enter, Space and typing (${viewport})`, async () => {
    const order = await dateOrder(browser);
    const v = await Visitor.open(browser, { base: server.base, viewport, who: 'citizen', path: 'keyboard' });
    try {
      const r = await keyboardCitizenPath(v, me, order);
      code = r.code;
      console.log(`keyboard: the citizen submitted ${r.code} with ${r.presses} key presses; the focus was visible at all ${r.stops} stops`);
    } finally {
      await v.close();
    }
    assertNoPageProblems(viewport, 'keyboard');
  });

  test(`the officials process it and the citizen rates it by keyboard (${viewport})`, async (t) => {
    if (!code) return t.skip('the keyboard citizen path did not submit a dossier');
    for (const [role, action, generateResult] of [
      ['receiver', 'Tiếp nhận hồ sơ'], ['specialist', 'Chuyển trình'], ['leader', 'Phê duyệt', true], ['receiver', 'Trả kết quả'],
    ]) {
      const v = await Visitor.open(browser, { base: server.base, viewport, who: role, path: 'keyboard-official' });
      try {
        const kb = await keyboardOfficialAction(v, { username: officials[role].username, password: officialPassword, code, action, generateResult });
        console.log(`keyboard: ${officials[role].username} did “${action}” with ${kb.presses} key presses; focus visible at all ${kb.stops} stops`);
      } finally {
        await v.close();
      }
    }
    const v = await Visitor.open(browser, { base: server.base, viewport, who: 'citizen', path: 'keyboard-official' });
    try {
      const kb = await keyboardRate(v, { username: me.idNumber, password: citizenPassword, code });
      console.log(`keyboard: the citizen opened the result and rated it with ${kb.presses} key presses; focus visible at all ${kb.stops} stops`);
    } finally {
      await v.close();
    }
    assertNoPageProblems(viewport, 'keyboard-official');
  });

  test(`a citizen pays a fee by keyboard: the gateway, a cancel, a second try, the e-receipt, the tracking (${viewport})`, async () => {
    const f = copyForm();
    const v = await Visitor.open(browser, { base: server.base, viewport, who: 'citizen', path: 'keyboard-payment' });
    const { page } = v;
    try {
      // The application, as path 3 makes it (its form's fields are those
      // the keyboard citizen path already goes through); then the
      // payment's pages by keyboard.
      await register(v, citizen(6));
      await page.goto(`/nop-ho-so/${copyProcedure.code}`);
      await fillCopyForm(v, f);
      await page.getByLabel('Tờ khai cấp bản sao trích lục hộ tịch').setInputFiles({ name: 'to-khai.pdf', mimeType: 'application/pdf', buffer: pdf('To khai') });
      await page.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
      const heading = h1(page, /^Hồ sơ \S+-\d{6}-\d{4}$/);
      await heading.waitFor();
      const code = (await heading.textContent()).trim().replace(/^Hồ sơ /, '');
      const kb = await keyboardPay(v, { code, total: f.total });
      await v.step('Tra cứu: đã nộp phí, bàn phím');
      console.log(`keyboard: the citizen paid ${f.total} for ${code}, after cancelling once, with ${kb.presses} key presses; focus visible at all ${kb.stops} stops`);
    } finally {
      await v.close();
    }
    assertNoPageProblems(viewport, 'keyboard-payment');
  });
});
