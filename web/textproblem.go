package web

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/vanthu/vanthu/workflow"
)

// unsafeTextMessage is the message of a text refused for a character that
// nobody sees or that is not text (workflow.UnsafeText): which one and
// where, since the clerk who pasted it cannot see it.
func unsafeTextMessage(err error) (string, bool) {
	var u *workflow.UnsafeText
	if !errors.As(err, &u) {
		return "", false
	}
	what := fmt.Sprintf("một ký tự ẩn làm đảo thứ tự hiển thị của chữ (U+%04X)", u.Rune)
	switch {
	case u.Rune == utf8.RuneError:
		what = fmt.Sprintf("một byte không phải chữ (0x%02X, không phải UTF-8)", u.Byte)
	case u.Control:
		what = fmt.Sprintf("một ký tự điều khiển (U+%04X)", u.Rune)
	}
	return fmt.Sprintf("Nội dung nhập có %s ở ký tự thứ %d, thường do sao chép từ nơi khác: hãy xóa đoạn đó và gõ lại.", what, u.Pos), true
}
