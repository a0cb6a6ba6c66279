"""The ledger's one stylesheet, served at `/assets/ledger.css`: the content security policy of
the HTML pages (`style-src 'self'`) allows no inline style, so the pages link this instead."""

STYLESHEET = """\
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin-bottom: .25rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
th, td { border: 1px solid #bbb; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.number, th.number { text-align: right; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
.intro { background: #f6f8fa; border-left: 4px solid #4a6fa5; padding: .75rem 1rem; }
.mark { display: inline-block; font-size: .8rem; padding: 0 .35rem; border: 1px solid #888;
        border-radius: .2rem; white-space: nowrap; }
.violation { background: #fde2e1; }
.deficiency { background: #fff3cd; }
.notice { background: #e7f1fb; }
.muted { color: #555; }
footer { margin-top: 2rem; font-size: .9rem; color: #444; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  .intro { border-left-color: #000; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
}
/* /docs */
nav ul { columns: 2; padding-left: 1.2rem; }
.method { display: inline-block; min-width: 4rem; font-weight: 700; font-family: ui-monospace, monospace; }
.path, code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .92rem; }
section.operation { border-top: 1px solid #ddd; padding-top: .5rem; margin-top: 1rem; }
"""
