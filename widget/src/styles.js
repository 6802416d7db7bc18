// The widget's stylesheet, adopted by its shadow root. The class names are short
// because they ship in every page load, and the tests and docs select by them:
//   w  the widget's root (lf: launcher on the left, in: inline mode, dk: dark theme)
//   ln the launcher bubble      p  the panel          hd the panel's header
//   lg the conversation log     m  one message (u: the visitor's, a: the assistant's)
//   b  a message bubble         s  its sources        x  its actions (copy, thumbs; dn: down)
//   n  a note ("Stopped.")      e  an error and its Retry
//   d  the typing indicator     q  starter questions  hb the hand-off and lead bar
//   f  the message form         sb a send button      c  the thumbs-down comment form
//   ld the lead form            r  the live region, read only by screen readers
// Custom properties: --ac accent, --on text on the accent, --bg --fg --mu (muted)
// --bd (borders) --ai (assistant bubble) --cd (code) --er (errors).
export const STYLESHEET =
  ":host{all:initial!important;display:block!important}" +
  "*{box-sizing:border-box}[hidden]{display:none!important}" +
  ".w{--bg:#fff;--fg:#1f2328;--mu:#57606a;--bd:#d0d7de;--ai:#f1f3f5;--cd:#e7eaee;--er:#b42318;" +
  "font:15px/1.5 var(--docent-font,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif);color:var(--fg);text-align:start}" +
  ".dk{--bg:#16181b;--fg:#e6e8eb;--mu:#a1a9b3;--bd:#3b4148;--ai:#24282d;--cd:#30353b;--er:#ff9c91}" +
  "button{font:inherit;color:inherit;background:none;border:0;margin:0;cursor:pointer;border-radius:8px;padding:6px;display:inline-flex;align-items:center;gap:4px}" +
  ":focus-visible{outline:2px solid var(--fg);outline-offset:2px}" +
  ".hd :focus-visible{outline-color:var(--on)}.ln:focus-visible{outline:2px solid #fff;outline-offset:0;box-shadow:0 0 0 4px #000}" +
  "svg{width:18px;height:18px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;flex:none}" +
  ".ln,.p{position:fixed;right:20px;z-index:2147483000}" +
  ".lf .ln,.lf .p{right:auto;left:20px}" +
  ".ln{bottom:20px;width:56px;height:56px;border-radius:50%;justify-content:center;background:var(--ac);color:var(--on);box-shadow:0 4px 14px #0004}" +
  ".ln svg{width:26px;height:26px}" +
  ".p{bottom:88px;width:380px;height:min(640px,calc(100vh - 110px));display:flex;flex-direction:column;background:var(--bg);border:1px solid var(--bd);border-radius:16px;box-shadow:0 12px 40px #0004;overflow:hidden}" +
  ".in,.in .p{height:100%}.in .p{position:relative;inset:auto;width:100%;min-height:420px;box-shadow:none;z-index:auto}" +
  "@media(max-width:480px){.w:not(.in) .p{inset:0;width:100%;height:100%;border:0;border-radius:0}textarea{font-size:16px}}" +
  ".hd{display:flex;align-items:center;gap:8px;padding:10px;padding-inline-start:16px;background:var(--ac);color:var(--on)}" +
  ".hd h2{flex:1;margin:0;font-size:16px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}" +
  ".hd img{width:30px;height:30px;border-radius:50%;object-fit:cover}" +
  ".lg{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:12px;overscroll-behavior:contain}" +
  ".m{max-width:88%;display:flex;flex-direction:column;align-items:flex-start;gap:4px}" +
  ".u{align-self:flex-end;align-items:flex-end}" +
  ".b{padding:9px 13px;border-radius:14px;background:var(--ai);overflow-wrap:anywhere;max-width:100%}" +
  ".u .b{background:var(--ac);color:var(--on);white-space:pre-wrap}" +
  ".b>:first-child{margin-top:0}.b>:last-child{margin-bottom:0}" +
  "p,ul,ol,pre{margin:0 0 8px}ul,ol{padding-inline-start:22px}a{color:inherit}" +
  "code{font:13px/1.45 ui-monospace,Menlo,Consolas,monospace;background:var(--cd);padding:1px 4px;border-radius:4px}" +
  "pre{background:var(--cd);padding:10px;border-radius:8px;overflow-x:auto}pre code{padding:0}" +
  ".s,.x,.n{font-size:13px;color:var(--mu)}.s a{display:block}" +
  ".x{display:flex;gap:2px}.x [aria-pressed=true]{color:var(--fg);background:var(--cd)}.dn svg{transform:scaleY(-1)}" +
  ".e{color:var(--er);font-size:14px}.e button{text-decoration:underline}" +
  ".d i{display:inline-block;width:7px;height:7px;margin:0 2px;border-radius:50%;background:var(--mu);animation:k 1s infinite alternate}" +
  ".d i+i{animation-delay:.3s}.d i+i+i{animation-delay:.6s}@keyframes k{to{opacity:.2}}" +
  "@media(prefers-reduced-motion:reduce){.d i{animation:none}}" +
  ".q,.hb{display:flex;flex-wrap:wrap;gap:6px}.q button,.hb button{border:1px solid var(--bd);border-radius:16px;padding:5px 12px;text-align:start}" +
  ".f{display:flex;gap:8px;padding:10px;border-top:1px solid var(--bd);align-items:flex-end}" +
  ".hb{padding:0 10px 10px}.ld{display:grid;gap:8px;padding:10px;border:1px solid var(--bd);border-radius:8px}.ld label{display:grid}" +
  "textarea,input{flex:1;font:inherit;color:inherit;background:var(--bg);border:1px solid var(--bd);border-radius:10px;padding:8px 12px;margin:0;resize:none;min-height:42px;max-height:140px;field-sizing:content}" +
  "::placeholder{color:var(--mu);opacity:1}" +
  ".sb{width:42px;height:42px;justify-content:center;background:var(--ac);color:var(--on);border-radius:10px}" +
  ".c{width:100%;padding:0;border:0}" +
  ".r{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}";
