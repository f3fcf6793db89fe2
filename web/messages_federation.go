package web

// Messages of the national instance's single sign-on for connected
// portals.
func init() {
	for k, v := range map[string][2]string{
		"dossiers.federated": {"Nộp tại hệ thống một cửa của địa phương; bấm mã hồ sơ để xem tiến độ", "Filed with a local one-stop system; open the code to follow it"},
		"sso.title":          {"Đăng nhập một lần", "Single sign-on"},
		"sso.no_request":     {"Không có yêu cầu đăng nhập. Hãy quay lại cổng dịch vụ công bạn đang dùng và bấm đăng nhập bằng tài khoản Cổng Dịch vụ công quốc gia.", "There is no sign-in request. Go back to the portal you were using and sign in with your National Public Service Portal account."},
		"sso.citizens_only":  {"Chỉ tài khoản công dân đăng nhập một lần vào các cổng dịch vụ công kết nối. Hãy đăng xuất rồi đăng nhập bằng tài khoản công dân.", "Only citizen accounts sign in to the connected portals. Sign out, then sign in with a citizen account."},
	} {
		messages[k] = v
	}
}
