package vifold

import "testing"

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Bình Thủy", "binh thuy"},
		{"BÌNH THỦY", "binh thuy"},
		{"Đường Nguyễn Văn Cừ", "duong nguyen van cu"},
		{"Hỏa tốc, Thượng khẩn", "hoa toc, thuong khan"},
		{"Quyết định số 15/QĐ-UBND", "quyet dinh so 15/qd-ubnd"},
		{"ắằẳẵặ ấầẩẫậ ếềểễệ ốồổỗộ ớờởỡợ ứừửữự ỳýỷỹỵ", "aaaaa aaaaa eeeee ooooo ooooo uuuuu yyyyy"},
		// Precomposed and decomposed input fold alike.
		{"Thu\u0309y", "thuy"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
