// The offer page's whole stylesheet, inlined (one request on a phone). Mobile first; text and buttons
// keep at least 7:1 contrast; every tap target is at least 48 px high; focus is always visible.
export const OFFER_CSS = `
:root{color-scheme:light;--fg:#111418;--muted:#3d434b;--bg:#fff;--page:#fff;--card:#f3f5f7;--line:#b9c0c8;
--primary:#0a5a31;--primary-hover:#084a28;--focus:#1746b8;--warn:#8c1d18;--warn-bg:#fdf1f0}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--page);color:var(--fg);font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:34rem;margin:0 auto;padding:1.25rem 1rem 3rem;background:var(--bg)}
.clinic{margin:0 0 .25rem;font-weight:600;color:var(--muted)}
h1{margin:.25rem 0 1rem;font-size:1.625rem;line-height:1.2}
h1:focus{outline:none}
h2{margin:1.75rem 0 .5rem;font-size:1.1875rem;line-height:1.3}
p{margin:.5rem 0}
.lead{font-size:1.125rem}
.card{margin:1rem 0;padding:1rem 1.125rem;background:var(--card);border:1px solid var(--line);border-radius:.75rem}
.card p{margin:.125rem 0}
.when{font-size:1.25rem;line-height:1.35}
.also,.muted{color:var(--muted)}
.hold{margin:1rem 0}
.countdown{display:inline-block;font-variant-numeric:tabular-nums;font-weight:700}
.actions{display:flex;flex-direction:column;gap:.75rem;margin:1.25rem 0}
.actions form{margin:0}
.btn{display:flex;align-items:center;justify-content:center;gap:.25rem .5rem;flex-wrap:wrap;width:100%;min-height:48px;
padding:.75rem 1.25rem;border:2px solid var(--fg);border-radius:.625rem;background:var(--bg);color:var(--fg);
font:inherit;font-weight:650;line-height:1.25;text-align:center;text-decoration:none;cursor:pointer}
.btn:hover{background:var(--card)}
.btn.primary{background:var(--primary);border-color:var(--primary);color:#fff;font-size:1.1875rem;min-height:56px}
.btn.primary:hover{background:var(--primary-hover)}
.btn:disabled{cursor:progress;opacity:.65}
:focus-visible{outline:3px solid var(--focus);outline-offset:3px}
.btn:focus-visible{box-shadow:0 0 0 6px #fff}
a{color:var(--focus);text-underline-offset:.15em}
.nowrap,a[href^="tel:"]{white-space:nowrap}
.alts{display:grid;gap:.75rem;margin:.75rem 0;padding:0;list-style:none}
.alts form{margin:0}
.alt{justify-content:flex-start;text-align:left}
.alt-who{font-weight:400}
.card.gone{background:var(--bg);border-style:dashed}
.card.gone .when{color:var(--muted)}
.ok{padding:.75rem 1rem;border-left:4px solid var(--primary);border-radius:.25rem;background:#ecf6ef;color:#08381f;font-weight:600}
.flash{margin:.75rem 0;padding:.75rem 1rem;border-left:4px solid var(--warn);background:var(--warn-bg);color:var(--warn);font-weight:600}
.live:empty{display:none}
.live{font-size:1.125rem;font-weight:600}
.push{margin-top:2rem;padding-top:.25rem;border-top:1px solid var(--line)}
.sr-only{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
[hidden]{display:none!important}
@media (min-width:40rem){
body{--page:#e9edf1}
main{margin:3rem auto;padding:2rem 2.5rem 2.5rem;border:1px solid var(--line);border-radius:1rem}
h1{font-size:2rem}
.actions{flex-direction:row}
.actions>*{flex:1}
}
@media (prefers-reduced-motion:reduce){*{transition:none!important;animation:none!important}}
@media (forced-colors:active){.btn{border:2px solid ButtonText}}
`;
