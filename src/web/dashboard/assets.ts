// The dashboard's one stylesheet and its few lines of script, served from /assets (the pages' CSP
// allows scripts and styles from our own origin only, never inline).
import { HOLD_LEFT_JS } from "./format.ts";

export const DASHBOARD_CSS = `
:root{--ink:#17202a;--muted:#5b6770;--line:#d9dee3;--bg:#f6f7f9;--card:#fff;--accent:#0b6b3a;--warn:#9a5b00;--bad:#a61b1b;--blue:#1d4ed8}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--blue)}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.6rem 1rem;background:#102a1e;color:#fff}
.top a,.top .brand{color:#fff;text-decoration:none;font-weight:700}
.top .clinic{opacity:.85;flex:1;min-width:10rem}
.logout{display:flex;align-items:center;gap:.5rem;margin:0}
.logout button{background:transparent;color:#fff;border:1px solid #ffffff80;padding:.25rem .6rem}
.who{font-size:.85rem;opacity:.85}
.tabs{display:flex;gap:.25rem;overflow-x:auto;padding:0 1rem;background:#fff;border-bottom:1px solid var(--line);white-space:nowrap}
.tabs a{padding:.6rem .7rem;text-decoration:none;color:var(--muted);border-bottom:3px solid transparent}
.tabs a[aria-current=page]{color:var(--ink);border-bottom-color:var(--accent);font-weight:600}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:1.4rem 0 .6rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.8rem 1rem;margin:0 0 .8rem}
.grid{display:grid;gap:.8rem;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr))}
.row{display:flex;flex-wrap:wrap;gap:.4rem .8rem;align-items:center}
.muted{color:var(--muted)}
.small{font-size:.85rem}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:.5rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
.table-wrap{overflow-x:auto}
form.inline{display:inline-flex;gap:.3rem;align-items:center;margin:0}
label{display:block;font-weight:600;font-size:.9rem;margin:.5rem 0 .2rem}
input,select,textarea,button{font:inherit}
input[type=text],input[type=url],input[type=email],input[type=password],input[type=date],input[type=time],input[type=number],input[type=search],select,textarea{
  width:100%;max-width:28rem;padding:.4rem .5rem;border:1px solid #b8c0c8;border-radius:.35rem;background:#fff}
input[aria-invalid=true],select[aria-invalid=true]{border-color:var(--bad)}
fieldset{border:1px solid var(--line);border-radius:.4rem;margin:.6rem 0;padding:.4rem .8rem}
legend{font-weight:600;font-size:.9rem}
.window{padding:.4rem 0;border-bottom:1px dashed var(--line)}.window:last-child{border-bottom:0}
.days label{display:inline-flex;gap:.2rem;align-items:center;font-weight:400;margin:.1rem .5rem .1rem 0}
.pair{display:flex;gap:.6rem;flex-wrap:wrap;align-items:flex-end}.pair>div{flex:1;min-width:8rem}
button,.button{display:inline-block;padding:.4rem .8rem;border:1px solid #8a949c;border-radius:.35rem;background:#fff;color:var(--ink);cursor:pointer;text-decoration:none}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
button.danger{border-color:var(--bad);color:var(--bad)}
.field-error{display:block;color:var(--bad);font-size:.85rem}
.errors{border:1px solid var(--bad);background:#fdf0f0;border-radius:.4rem;padding:.5rem .8rem;margin:.5rem 0}
.errors p{margin:0;font-weight:600}.errors ul{margin:.3rem 0 0}
.notice{border:1px solid var(--accent);background:#eef8f1;border-radius:.4rem;padding:.5rem .8rem}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:1rem;font-size:.75rem;font-weight:600;background:#e7eaee;color:#333}
.s-pending,.s-open,.s-active,.s-sent,.s-queued,.s-sending{background:#e6efff;color:#1d3f8f}
.s-accepted,.s-filled,.s-booked,.s-delivered,.s-done,.s-succeeded,.s-enabled{background:#e3f5e8;color:#0b5a31}
.s-expired,.s-declined,.s-withdrawn,.s-closed,.s-removed{background:#f0f0f0;color:#555}
.s-failed,.s-undelivered,.s-bounced,.s-unreachable,.s-exhausted,.s-gave_up,.s-disabled{background:#fde8e8;color:#8f1d1d}
.s-scheduled,.s-notified{background:#fff4db;color:#7a4b00}
.badge.flag{background:#fdecd8;color:#7a3300}
.standing{margin-top:.15rem}
.warn-text{color:var(--warn)}
input.secret{font-family:ui-monospace,monospace;max-width:36rem}
.countdown{font-variant-numeric:tabular-nums;font-weight:600;color:var(--warn)}
.live-dot{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;background:#aaa;margin-right:.3rem}
.live-dot.on{background:#1fa35a}
.trail{margin:.2rem 0 0;padding-left:1rem;font-size:.85rem}
.chart{max-width:100%;height:auto;background:#fff;border:1px solid var(--line);border-radius:.5rem}
.stats{display:grid;gap:.6rem;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));margin-bottom:1rem}
.stat{background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:.6rem .8rem}
.stat b{display:block;font-size:1.4rem}
.message{white-space:pre-wrap;background:#f9fafb;border:1px solid var(--line);border-radius:.35rem;padding:.5rem;margin:.4rem 0;font-size:.9rem}
body.bare main{max-width:24rem;margin:10vh auto;background:#fff;border:1px solid var(--line);border-radius:.6rem;padding:1.2rem 1.4rem}
@media (max-width:40rem){main{padding:.7rem}th,td{padding:.35rem .4rem}.who{display:none}h1{font-size:1.25rem}
  table.cards thead{display:none}
  table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
  table.cards tr{border-bottom:1px solid var(--line);padding:.45rem 0}
  table.cards td{border:0;padding:.1rem .6rem}}
`;

export const DASHBOARD_JS = `
(function(){
  // Hold countdowns: the server says when the hold ends and what its clock read (it may be a test clock).
  var holdLeft=${HOLD_LEFT_JS};
  function tick(){
    document.querySelectorAll(".countdown[data-until]").forEach(function(el){
      if(!el.dataset.skew){el.dataset.skew=String(Date.now()-Date.parse(el.dataset.now));}
      var left=Math.max(0,Math.round((Date.parse(el.dataset.until)-(Date.now()-Number(el.dataset.skew)))/1000));
      el.textContent=holdLeft(left);
    });
  }
  setInterval(tick,1000);
  // Live panels: on each event from /events, re-fetch the panels marked data-live (no full reload).
  var panels=document.querySelectorAll("[data-live]");
  if(!panels.length||!window.EventSource)return;
  var dot=document.querySelector(".live-dot");
  var timer=null;
  function refresh(){
    panels.forEach(function(p){
      fetch(p.dataset.live,{credentials:"same-origin",headers:{accept:"text/html"}}).then(function(r){
        if(r.ok)return r.text().then(function(t){p.innerHTML=t;tick();});
      });
    });
  }
  var es=new EventSource("/events");
  es.onopen=function(){if(dot)dot.classList.add("on");};
  es.onerror=function(){if(dot)dot.classList.remove("on");};
  es.addEventListener("change",function(){clearTimeout(timer);timer=setTimeout(refresh,150);});
})();
`;
