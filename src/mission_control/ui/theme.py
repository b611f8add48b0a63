"""What every page shares in the browser: dark mode after the system, the board's scroll
affordance, phone layout, and the script that shows times in the browser's own zone."""

from __future__ import annotations

from nicegui import ui

CSS = """
.mc-board { overflow-x: auto; padding-bottom: 6px; scrollbar-width: auto;
  scrollbar-color: #64748b transparent;
  /* scroll shadows: a dark edge shows on the side where more columns are hidden */
  background:
    linear-gradient(to right, var(--mc-bg) 30%, transparent) left / 40px 100% no-repeat local,
    linear-gradient(to left, var(--mc-bg) 30%, transparent) right / 40px 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.28), transparent) left / 14px 100%
      no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.28), transparent) right / 14px 100%
      no-repeat scroll; }
.mc-board::-webkit-scrollbar { height: 12px; }
.mc-board::-webkit-scrollbar-thumb { background: #94a3b8; border-radius: 6px; }
.mc-board::-webkit-scrollbar-track { background: rgba(148,163,184,.2); border-radius: 6px; }
:root { --mc-bg: #ffffff; }
.body--dark { --mc-bg: #121212; }
.mc-column { background: #f1f5f9; }
.body--dark .mc-column { background: #1e293b; }
.mc-column.mc-collapsed { min-width: 3.5rem; width: 3.5rem; align-items: center; }
.mc-collapsed .mc-col-head { flex-direction: column; align-items: center; gap: 6px; }
.mc-collapsed .mc-col-name { writing-mode: vertical-rl; overflow: visible; }
.mc-card:focus, .mc-card.mc-focused { outline: 2px solid #6366f1; outline-offset: 1px; }
.mc-muted { color: #64748b; }
.body--dark .mc-muted { color: #94a3b8; }
.mc-time { cursor: help; text-decoration: underline dotted; text-underline-offset: 2px; }
.mc-markdown pre { overflow-x: auto; }
.mc-markdown table { border-collapse: collapse; }
.mc-markdown th, .mc-markdown td { border: 1px solid #cbd5e1; padding: 2px 6px; }
.mc-undo { position: fixed; bottom: 16px; left: 50%; transform: translateX(-50%);
  z-index: 6000; }
@media (max-width: 640px) {
  .mc-header { flex-wrap: wrap; row-gap: 0; }
  .mc-stack { flex-direction: column; }
  .mc-stack > * { width: 100% !important; }
  .mc-filters > * { flex: 1 1 40%; }
}
"""

# Ages and exact times in the browser's own time zone (see ui/clock.py for the server's half).
SCRIPT = """
<script>
(() => {
  const units = [["day", 86400], ["h", 3600], ["min", 60]];
  function age(ms) {
    let s = Math.round(ms / 1000); const ahead = s < 0; s = Math.abs(s);
    if (s < 45) return "just now";
    for (const [unit, size] of units) {
      if (s >= size) {
        const n = Math.floor(s / size);
        const name = unit === "day" && n !== 1 ? "days" : unit;
        return ahead ? `in ${n} ${name}` : `${n} ${name} ago`;
      }
    }
    return ahead ? "in 1 min" : "1 min ago";
  }
  const exact = new Intl.DateTimeFormat(undefined, {dateStyle: "medium", timeStyle: "medium"});
  function tick() {
    document.querySelectorAll("[data-time]").forEach((el) => {
      const when = new Date(el.dataset.time);
      if (isNaN(when)) return;
      const title = exact.format(when);
      if (el.title !== title) el.title = title;
      const text = age(Date.now() - when);
      if (el.textContent !== text) el.textContent = text;
    });
  }
  let queued = false;
  function soon() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; tick(); });
  }
  new MutationObserver(soon).observe(document.documentElement,
    {subtree: true, childList: true, attributes: true, attributeFilter: ["data-time"]});
  setInterval(tick, 20000);
})();
</script>
"""


def apply_theme() -> ui.dark_mode:
    """Give the page being built the shared look; dark mode follows the system (auto)."""
    ui.add_css(CSS)
    ui.add_head_html(SCRIPT)
    return ui.dark_mode(None)
