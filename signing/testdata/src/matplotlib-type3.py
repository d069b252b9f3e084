"""A Decree 30 draft drawn by matplotlib's PDF backend in Type 3 fonts
(pdf.fonttype 3, DejaVu Sans): the letters past U+00FF are forms of their
own. Writes the PDF to argv[1] and prints where its anchors are (points
from the page's lower-left corner), as JSON, for TestDetectLayoutMatplotlib.
"""
import json
import sys

import matplotlib

matplotlib.use("pdf")
matplotlib.rcParams["pdf.fonttype"] = 3
matplotlib.rcParams["font.family"] = "DejaVu Sans"
import matplotlib.pyplot as plt  # noqa: E402

W, H = 595.28, 841.89
fig = plt.figure(figsize=(W / 72, H / 72), dpi=72)


def text(x, y, s, size=12, **kw):
    return fig.text(x / W, y / H, s, fontsize=size, **kw)


text(150, 790, "ỦY BAN NHÂN DÂN", ha="center")
text(150, 775, "QUẬN BÌNH THỦY", ha="center", weight="bold")
text(400, 790, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=11, ha="center", weight="bold")
text(400, 775, "Độc lập - Tự do - Hạnh phúc", ha="center", weight="bold")
so = text(80, 740, "Số:")
tail = text(160, 740, "/QĐ-UBND")
day = text(440, 740, "Bình Thủy, ngày", style="italic", ha="right")
month = text(470, 740, "tháng", style="italic")
year = text(530, 740, "năm 2026", style="italic")
text(297, 700, "QUYẾT ĐỊNH", size=14, ha="center", weight="bold")
text(297, 683, "Về việc ban hành quy chế làm việc", ha="center", weight="bold")
text(60, 640, "Theo đề nghị của Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân quận.")
text(60, 400, "Nơi nhận:", style="italic", weight="bold")
text(430, 400, "TM. ỦY BAN NHÂN DÂN", ha="center", weight="bold")
title = text(430, 385, "CHỦ TỊCH", ha="center", weight="bold")
name = text(430, 300, "Nguyễn Văn Sĩ", ha="center", weight="bold")

fig.canvas.draw()
ext = {k: t.get_window_extent() for k, t in
       dict(so=so, tail=tail, day=day, month=month, year=year).items()}
fig.savefig(sys.argv[1])
json.dump({
    "NumberBlank": [ext["so"].x1, ext["tail"].x0], "NumberY": 740,
    "DayX": [ext["day"].x1, ext["month"].x0], "MonthX": [ext["month"].x1, ext["year"].x0],
    "YearX": ext["year"].x1, "DateY": 740, "SigPage": 1, "TitleY": 385, "NameY": 300, "SigCX": 430,
}, sys.stdout)
