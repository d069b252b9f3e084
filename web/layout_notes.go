package web

// The stamp layout detector (signing: anchors.go, datewrap.go,
// sigblock.go) notes in English what it could not find or what will not
// fit; the notes are stored with the draft's layout and shown on its
// layout page. layoutNoteVI says them in Vietnamese, as evidenceVI and
// reasonVI do (an unknown note kept in English as a technical detail).

var layoutNotes = []viPattern{
	pat(`^page 1's text does not read upright as the page is shown \(turned on its side or upside down\): number, date and signature go to the default positions$`, func([]string) string {
		return "Chữ trên trang 1 không đứng thẳng như trang được hiển thị (trang bị xoay ngang hoặc lộn ngược): số, ngày tháng và chữ ký được đặt ở vị trí mặc định."
	}),
	pat(`^page 1 has no extractable text \(a scan\?\): number, date and signature go to the default positions$`, func([]string) string {
		return "Trang 1 không có chữ đọc được (bản quét?): số, ngày tháng và chữ ký được đặt ở vị trí mặc định."
	}),
	pat(`^no "Số: …/…" line in the upper part of page 1: the number goes to the default position$`, func([]string) string {
		return "Không thấy dòng “Số: …/…” ở phần trên trang 1: số được đặt ở vị trí mặc định."
	}),
	pat(`^no "ngày … tháng … năm" line in the upper part of page 1: the date goes to the default position$`, func([]string) string {
		return "Không thấy dòng “ngày … tháng … năm” ở phần trên trang 1: ngày tháng được đặt ở vị trí mặc định."
	}),
	pat(`^no signature block \(a title such as "CHỦ TỊCH" with the signer's name below it\) on any page: the signature goes to the default position$`, func([]string) string {
		return "Không thấy khối chữ ký (chức danh như “CHỦ TỊCH” và họ tên người ký bên dưới) ở trang nào: chữ ký được đặt ở vị trí mặc định."
	}),
	pat(`^the number's blank between "Số:" and the slash is ([\d.]+) pt wide, narrower than the number written into it \(about ([\d.]+) pt for two digits\): it will cover "Số:"; widen the blank in the draft \(spaces rather than a tab\) and upload it again$`,
		func(m []string) string {
			return "Chỗ trống cho số giữa “Số:” và dấu gạch chéo chỉ rộng " + m[1] + " pt, hẹp hơn số sẽ điền (khoảng " + m[2] +
				" pt cho hai chữ số): số sẽ đè lên “Số:”; hãy nới rộng chỗ trống trong dự thảo (dùng dấu cách thay cho tab) rồi tải lên lại."
		}),
	pat(`^the (day|month) blank of the date line is ([\d.]+) pt wide, narrower than the two digits written into it \(about ([\d.]+) pt\): they will overlap the words beside it; widen the blank in the draft \(spaces rather than a tab\) and upload it again$`,
		func(m []string) string {
			part := map[string]string{"day": "ngày", "month": "tháng"}[m[1]]
			return "Chỗ trống cho " + part + " trên dòng ngày tháng chỉ rộng " + m[2] + " pt, hẹp hơn hai chữ số sẽ điền (khoảng " + m[3] +
				" pt): chữ số sẽ đè lên chữ bên cạnh; hãy nới rộng chỗ trống trong dự thảo (dùng dấu cách thay cho tab) rồi tải lên lại."
		}),
	pat(`^the date line wraps after "ngày" with no blank for the day after it nor before "tháng": the day is written just after "ngày"; check it on the layout page$`, func([]string) string {
		return "Dòng ngày tháng xuống dòng sau chữ “ngày”, không có chỗ trống cho ngày sau chữ đó hay trước chữ “tháng”: ngày được ghi ngay sau chữ “ngày”; hãy kiểm tra trên trang vị trí dấu."
	}),
	pat(`^the signature block is split by a page break \(its title ends page (\d+), the name "(.*)" starts page (\d+)\): the signature goes (above the name|below the title); keep the block on one page in the draft$`,
		func(m []string) string {
			where := map[string]string{"above the name": "phía trên họ tên", "below the title": "phía dưới chức danh"}[m[4]]
			return "Khối chữ ký bị ngắt trang (chức danh ở cuối trang " + m[1] + ", họ tên “" + m[2] + "” ở đầu trang " + m[3] +
				"): chữ ký được đặt " + where + "; hãy để cả khối chữ ký trên một trang trong dự thảo."
		}),
	pat(`^(\d+) signature blocks \(a joint document\?\) and none known as the signer's by name or title: the signature goes to the lowest, rightmost one, "(.*)"'s \(page (\d+)\); correct the layout if another is the signer's$`,
		func(m []string) string {
			return "Có " + m[1] + " khối chữ ký (văn bản liên tịch?) mà không khối nào khớp tên hay chức danh người ký: chữ ký được đặt vào khối thấp nhất, bên phải nhất, của “" +
				m[2] + "” (trang " + m[3] + "); hãy sửa vị trí nếu người ký là khối khác."
		}),
}

// layoutNoteVI says a layout note in Vietnamese.
func layoutNoteVI(n string) string { v, _ := translate(layoutNotes, n); return v }
