// The preview's pages: follow the server's events, refresh what changed, mark an entity's mentions in the note.
"use strict";

const body = document.body;
const slug = body.dataset.slug || null;
let selected = null;  // the id of the entity whose mentions are marked
let pendingScroll = null;  // the note's scroll position across a reload of its frame

function setLive(text, busy) {
  const live = document.getElementById("live");
  if (live) { live.textContent = text; live.classList.toggle("busy", busy); }
}

function frame() { return document.getElementById("note-frame"); }

function frameDocument() {
  const f = frame();
  try { return f && f.contentDocument && f.contentDocument.body ? f.contentDocument : null; } catch (e) { return null; }
}

function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

function unmark(doc) {
  for (const mark of Array.from(doc.querySelectorAll("mark.briefing-mention"))) {
    mark.replaceWith(doc.createTextNode(mark.textContent));
  }
  doc.body.normalize();
}

// Wrap every occurrence of the entity's mention texts (and their capitals, as headings print them) in <mark>.
function markTexts(doc, texts) {
  const variants = new Set();
  for (const text of texts) { if (text) { variants.add(text); variants.add(text.toUpperCase()); } }
  if (!variants.size) return 0;
  const alternatives = Array.from(variants).sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp("(?<![\\p{L}\\p{N}])(?:" + alternatives.join("|") + ")(?![\\p{L}\\p{N}])", "gu");
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      const parent = node.parentElement;
      if (!parent || parent.closest("script, style, mark, .running-header")) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  let count = 0;
  for (const node of nodes) {
    const text = node.nodeValue;
    pattern.lastIndex = 0;
    let match, last = 0;
    const pieces = [];
    while ((match = pattern.exec(text)) !== null) {
      pieces.push(doc.createTextNode(text.slice(last, match.index)));
      const mark = doc.createElement("mark");
      mark.className = "briefing-mention";
      mark.textContent = match[0];
      pieces.push(mark);
      last = match.index + match[0].length;
      count += 1;
    }
    if (pieces.length) {
      pieces.push(doc.createTextNode(text.slice(last)));
      node.replaceWith(...pieces);
    }
  }
  return count;
}

function prepareFrame(doc) {
  if (!doc.getElementById("briefing-preview-style")) {
    const style = doc.createElement("style");
    style.id = "briefing-preview-style";
    // The galley on a sheet, as in a reader; the note's own styles are left as they are.
    style.textContent = "html { background: #e8e8e4; } body { background: #fff; max-width: 52em; margin: 1.5em auto; "
      + "padding: 2.5em 3em; box-shadow: 0 1px 4px rgba(0,0,0,.15); } "
      + "mark.briefing-mention { background: #ffd54a; color: inherit; border-radius: 2px; box-shadow: 0 0 0 1px #e0a800; }";
    doc.head.appendChild(style);
  }
}

function highlight(item, scroll) {
  const doc = frameDocument();
  for (const other of document.querySelectorAll(".entity.selected")) {
    other.classList.remove("selected");
    other.querySelector(".mentions").hidden = true;
    other.querySelector(".found").textContent = "";
  }
  if (doc) unmark(doc);
  if (!item) { selected = null; return; }
  selected = item.dataset.entity;
  item.classList.add("selected");
  item.querySelector(".mentions").hidden = false;
  if (!doc) return;
  prepareFrame(doc);
  const count = markTexts(doc, JSON.parse(item.dataset.texts || "[]"));
  item.querySelector(".found").textContent = count === 1 ? "1 mention in the note" : count + " mentions in the note";
  const first = doc.querySelector("mark.briefing-mention");
  if (first && scroll) first.scrollIntoView({ block: "center" });
}

function bindEntities() {
  for (const item of document.querySelectorAll(".entity")) {
    item.querySelector(".entity-name").addEventListener("click", () => {
      highlight(selected === item.dataset.entity ? null : item, true);
    });
  }
}

function entityItem(id) {
  return Array.from(document.querySelectorAll(".entity")).find((item) => item.dataset.entity === id) || null;
}

function bindFrame() {
  const f = frame();
  if (!f) return;
  f.addEventListener("load", () => {
    const doc = frameDocument();
    if (!doc) return;
    prepareFrame(doc);
    if (pendingScroll !== null) { f.contentWindow.scrollTo(0, pendingScroll); pendingScroll = null; }
    if (selected) highlight(entityItem(selected), false);
  });
}

// Fetch this page again and put its new panels in place; the note's frame reloads, keeping its scroll.
async function refresh() {
  const response = await fetch(location.href, { cache: "no-store" });
  if (!response.ok) { location.reload(); return; }
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  body.dataset.generation = fresh.body.dataset.generation;
  const oldMessage = document.getElementById("message"), newMessage = fresh.getElementById("message");
  if (oldMessage) oldMessage.remove();
  if (newMessage) document.querySelector(".bar").after(document.importNode(newMessage, true));
  if (!slug) {
    document.getElementById("panels").replaceWith(document.importNode(fresh.getElementById("panels"), true));
    return;
  }
  document.getElementById("sidebar").replaceWith(document.importNode(fresh.getElementById("sidebar"), true));
  bindEntities();
  const f = frame(), freshFrame = fresh.getElementById("note-frame");
  if (f && freshFrame) {
    const oldStale = document.querySelector(".stale"), freshStale = fresh.querySelector(".stale");
    if (oldStale) oldStale.remove();
    if (freshStale) f.before(document.importNode(freshStale, true));
    try { pendingScroll = f.contentWindow.scrollY; } catch (e) { pendingScroll = null; }
    f.src = freshFrame.getAttribute("src") + "?v=" + body.dataset.generation;
  } else {
    document.querySelector("main.page").replaceWith(document.importNode(fresh.querySelector("main.page"), true));
    bindFrame();
  }
  if (selected && !entityItem(selected)) selected = null;
}

function listen() {
  const source = new EventSource("/_events?since=" + (body.dataset.generation || ""));
  source.addEventListener("building", () => setLive("building…", true));
  source.addEventListener("message", () => refresh());
  source.addEventListener("built", (event) => {
    const data = JSON.parse(event.data);
    setLive("up to date", false);
    if (!slug || data.changed.includes(slug)) refresh();
  });
  source.onerror = () => setLive("server stopped? reconnecting…", true);
}

bindEntities();
bindFrame();
listen();
