# XeLaTeX drafts.
import os, subprocess, gen

def esc(s):
    return s.replace('_', '\\_').replace('&', '\\&').replace('%', '\\%').replace('\u00a0', '~')

def xelatex(c, path):
    name, suffix, vv = gen.TYPES[c['type']]
    blank = {'spaces': '\\hspace{1.5cm}', 'dots': '.........', 'nbsp': '~~~~~~~~', 'underscore': '\\_\\_\\_\\_\\_\\_'}[c['blank']]
    paper = 'a5paper' if c['page'].startswith('A5') else 'a4paper'
    date = esc(gen.date_text(c))
    titles = ' \\\\ '.join('\\textbf{%s}' % esc(t) for t in c['sig'][0])
    body = '\n\n'.join(esc(gen.para(i + 1)) for i in range(c['paras']))
    tex = r'''\documentclass[%(size)spt]{extarticle}
\usepackage[%(paper)s,left=3cm,right=1.5cm,top=2cm,bottom=2cm]{geometry}
\usepackage{fontspec}\setmainfont{Tinos}\pagestyle{empty}\setlength{\parindent}{1cm}
\begin{document}
\noindent\begin{tabular}{@{}p{0.38\textwidth}@{}p{0.62\textwidth}@{}}
\centering\textbf{%(a1)s}\\\textbf{%(a2)s}\\Số:%(blank)s/%(suffix)s &
\centering\textbf{CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM}\\\textbf{Độc lập - Tự do - Hạnh phúc}\\\textit{%(date)s}\tabularnewline
\end{tabular}
\begin{center}\textbf{%(name)s}\\\textbf{Về việc ban hành Quy chế làm việc}\end{center}
%(body)s

\vspace{1em}\noindent\begin{tabular}{@{}p{0.45\textwidth}@{}>{\centering\arraybackslash}p{0.55\textwidth}@{}}
\textbf{Nơi nhận:}\newline - Như Điều 3;\newline - Lưu: VT. & %(titles)s \\[%(gap)sem] \textbf{%(signame)s}
\end{tabular}
\end{document}
''' % dict(size=min(12, c['size']) if c['size'] >= 10 else 10, paper=paper, a1=esc(c['agency'][0]), a2=esc(c['agency'][1]), blank=blank,
           suffix=suffix, date=date, name=name or '', body=body, titles=titles, gap=c['gap'], signame=esc(c['names'][0]))
    tex = tex.replace('\\usepackage{fontspec}', '\\usepackage{array}\\usepackage{fontspec}')
    d = os.path.dirname(path)
    base = os.path.basename(path)[:-4]
    open(os.path.join(d, base + '.tex'), 'w').write(tex)
    r = subprocess.run(['xelatex', '-interaction=nonstopmode', '-output-directory', d, base + '.tex'], cwd=d, capture_output=True, text=True)
    if not os.path.exists(path):
        raise RuntimeError(r.stdout[-2000:])
