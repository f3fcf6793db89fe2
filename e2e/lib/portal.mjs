// What the paths share: the people, and how to do the usual things.
import assert from 'node:assert/strict';

export const citizenPassword = 'con mèo nhà tôi tên là Mướp';

/** A citizen whose ID number agrees with the date of birth and sex. */
export function citizen(n) {
  return {
    idNumber: `0010900001${String(n).padStart(2, '0')}`,
    fullName: ['Nguyễn Văn An', 'Trần Quốc Bảo', 'Lê Hoàng Cường'][n % 3],
    dateOfBirth: '1990-05-12',
    phone: `09123456${String(n).padStart(2, '0')}`,
    email: `congdan${n}@example.com`,
  };
}

/** An ISO date n days before today, in Việt Nam. */
export function daysAgo(n) {
  const d = new Date(Date.now() + 7 * 3600_000 - n * 86400_000);
  return d.toISOString().slice(0, 10);
}

export function h1(page, name) {
  return page.getByRole('heading', { level: 1, name });
}

/** Selects the option of select whose text contains part. */
export async function selectByText(select, part) {
  const labels = (await select.locator('option').allTextContents()).map((t) => t.trim());
  const label = labels.find((t) => t.includes(part));
  assert.ok(label, `no option with “${part}” in ${labels.join(' | ')}`);
  await select.selectOption({ label });
}

/** Signs in at /dang-nhap, where the header's link leads. */
export async function signIn(v, username, password) {
  const { page } = v;
  await page.goto('/');
  await page.getByRole('banner').getByRole('link', { name: 'Đăng nhập' }).click();
  await h1(page, 'Đăng nhập').waitFor();
  await v.step('Đăng nhập');
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('main').getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('banner').getByRole('link', { name: 'Đăng nhập' }).waitFor({ state: 'detached' });
}

/** The address fields of the birth registration form, by their legend. */
export const addresses = ['Nơi cư trú của người yêu cầu *', 'Nơi sinh *', 'Quê quán *', 'Nơi cư trú của người mẹ *'];

/** What the citizen declares in the birth registration form, by label. */
export function birthForm() {
  return {
    selects: { 'Quan hệ với trẻ *': 'Cha', 'Giới tính của trẻ *': 'Nam' },
    dates: { 'Ngày, tháng, năm sinh của trẻ *': daysAgo(5), 'Ngày, tháng, năm sinh của người mẹ *': '1992-03-04' },
    texts: {
      'Họ, chữ đệm và tên của trẻ *': 'Nguyễn Minh Khôi',
      'Giờ, phút sinh': '08 giờ 30 phút',
      'Dân tộc của trẻ *': 'Kinh',
      'Quốc tịch của trẻ *': 'Việt Nam',
      'Họ, chữ đệm và tên người mẹ *': 'Trần Thị Bình',
      'Dân tộc của người mẹ *': 'Kinh',
      'Quốc tịch của người mẹ *': 'Việt Nam',
      'Số định danh cá nhân của người mẹ *': '001192000123',
      'Số bản sao Giấy khai sinh đề nghị cấp': '2',
    },
    street: 'Số 12 phố Hàng Bạc',
    province: 'Thành phố Hà Nội',
    agencyProvince: 'Ủy ban nhân dân Thành phố Hà Nội',
    commune: 'Hoàn Kiếm',
  };
}

/**
 * Registers me at /dang-ky (the path the home page's links lead to is
 * path 1's) and lands on the new account, signed in.
 */
export async function register(v, me) {
  const { page } = v;
  await page.goto('/dang-ky');
  await h1(page, 'Đăng ký tài khoản').waitFor();
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
}

/**
 * The procedure with an online fee the payment path applies for: copies
 * of a birth certificate, 8.000 đ a copy, paid before the result.
 */
export const copyProcedure = { code: '2.000635', name: 'Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh' };

/** What the citizen declares to ask for two copies, by label. */
export function copyForm() {
  return {
    address: 'Nơi cư trú của người yêu cầu *',
    selects: { 'Loại giấy tờ cần cấp bản sao *': 'Giấy khai sinh' },
    dates: { 'Ngày, tháng, năm sinh người có tên trong giấy tờ *': '2015-09-02' },
    texts: {
      'Họ, chữ đệm và tên người có tên trong giấy tờ *': 'Nguyễn Minh Khôi',
      'Cơ quan đã đăng ký sự kiện hộ tịch': 'Ủy ban nhân dân phường Hoàn Kiếm',
      'Số bản sao đề nghị cấp *': '2',
    },
    copies: 2,
    total: '16.000 đ',
    street: 'Số 12 phố Hàng Bạc',
    province: 'Thành phố Hà Nội',
    agencyProvince: 'Ủy ban nhân dân Thành phố Hà Nội',
    commune: 'Hoàn Kiếm',
  };
}

/**
 * Fills the form of copyProcedure (f is copyForm()) except the paper. The
 * pickers work without JavaScript: choose the province, press "Cập nhật
 * danh sách", then choose in the list it brings.
 */
export async function fillCopyForm(v, f) {
  const { page } = v;
  const agency = page.getByRole('group', { name: '1. Nơi nộp hồ sơ' });
  await agency.getByLabel('Tỉnh, thành phố').selectOption({ label: f.agencyProvince });
  await agency.getByRole('button', { name: 'Cập nhật danh sách' }).click();
  await selectByText(agency.getByLabel('Cơ quan tiếp nhận hồ sơ'), f.commune);
  const home = page.getByRole('group', { name: f.address, exact: true });
  await home.getByLabel('Số nhà, đường, thôn, xóm').fill(f.street);
  await home.getByLabel('Tỉnh, thành phố').selectOption({ label: f.province });
  await home.getByRole('button', { name: 'Cập nhật danh sách' }).click();
  await selectByText(page.getByRole('group', { name: f.address, exact: true }).getByLabel('Xã, phường, thị trấn'), f.commune);
  for (const [label, value] of Object.entries(f.selects)) await page.getByLabel(label, { exact: true }).selectOption(value);
  for (const [label, value] of [...Object.entries(f.dates), ...Object.entries(f.texts)]) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
}
