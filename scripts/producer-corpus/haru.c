/* Draws the placed lines of spec.tsv (gen.py: page, x, y, size, style, text) with
 * libharu (libhpdf), Tinos loaded as TrueType with the UTF-8 encoder:
 *   cc haru.c -lhpdf -o haru && ./haru SPEC.tsv OUT.pdf */
#include <hpdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void error_handler(HPDF_STATUS e, HPDF_STATUS d, void *u) {
	(void)u;
	fprintf(stderr, "libharu error %04X detail %u\n", (unsigned)e, (unsigned)d);
	exit(1);
}

int main(int argc, char **argv) {
	if (argc != 3) return 2;
	HPDF_Doc pdf = HPDF_New(error_handler, NULL);
	HPDF_UseUTFEncodings(pdf);
	HPDF_SetCurrentEncoder(pdf, "UTF-8");
	HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
	const char *styles[] = {"Regular", "Bold", "Italic", "BoldItalic"};
	HPDF_Font fonts[4];
	for (int i = 0; i < 4; i++) {
		char path[256];
		snprintf(path, sizeof path, "/usr/share/fonts/truetype/croscore/Tinos-%s.ttf", styles[i]);
		fonts[i] = HPDF_GetFont(pdf, HPDF_LoadTTFontFromFile(pdf, path, HPDF_TRUE), "UTF-8");
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) return 1;
	char line[4096];
	int cur = -1;
	HPDF_Page page = NULL;
	while (fgets(line, sizeof line, f)) {
		int pg, st;
		float x, y, s;
		int n = 0;
		if (sscanf(line, "%d\t%f\t%f\t%f\t%d\t%n", &pg, &x, &y, &s, &st, &n) != 5) continue;
		line[strcspn(line, "\n")] = 0;
		if (pg != cur) {
			page = HPDF_AddPage(pdf);
			HPDF_Page_SetWidth(page, 595.28f);
			HPDF_Page_SetHeight(page, 841.89f);
			cur = pg;
		}
		HPDF_Page_BeginText(page);
		HPDF_Page_SetFontAndSize(page, fonts[st], s);
		HPDF_Page_TextOut(page, x, y, line + n);
		HPDF_Page_EndText(page);
	}
	fclose(f);
	HPDF_SaveToFile(pdf, argv[2]);
	HPDF_Free(pdf);
	return 0;
}
