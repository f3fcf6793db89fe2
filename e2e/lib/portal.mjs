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
