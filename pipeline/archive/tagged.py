"""Accessibility checks for tagged PDFs (PDF/A level A, PDF/UA): structure tree, language, title, headings, links, figures.

pikepdf's PDF/A validator knows the B-level rules only; these are the A-level and UA
requirements the notes can meet, read from the file itself.
"""

from __future__ import annotations

import re

MAX_NODES = 200_000  # a structure tree is walked iteratively, and only this far (hostile files)
HEADING = re.compile(r"/H([1-6])")


def claims_tagged(pdf) -> bool:
    """True when the PDF claims PDF/A conformance level A or PDF/UA in its XMP metadata."""
    if "/Metadata" not in pdf.Root:
        return False
    meta = pdf.open_metadata()
    return (meta.get("pdfaid:conformance") or "").upper() == "A" or bool(meta.get("pdfuaid:part"))


def _struct_elements(root) -> tuple[list, bool]:
    """The structure elements in document order (depth first) and whether the walk hit MAX_NODES."""
    import pikepdf

    found, stack, seen = [], [root.get("/K")], set()
    while stack:
        node = stack.pop()
        if len(found) >= MAX_NODES:
            return found, True
        if isinstance(node, pikepdf.Array):
            stack.extend(reversed(list(node)))
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            key = node.objgen if node.is_indirect else None
            if key is not None and key != (0, 0):
                if key in seen:
                    continue  # a cycle in a damaged tree
                seen.add(key)
            found.append(node)
            kids = node.get("/K")
            if kids is not None:
                stack.append(kids)
    return found, False


def tagged_problems(pdf) -> list[str]:
    """What keeps a PDF claiming level A or UA from meeting it (empty when nothing is wrong)."""
    root = pdf.Root
    problems = []
    meta = pdf.open_metadata() if "/Metadata" in root else {}
    claim = "PDF/UA" if meta.get("pdfuaid:part") else f"PDF/A-{meta.get('pdfaid:part')}{(meta.get('pdfaid:conformance') or '').lower()}"
    mark = root.get("/MarkInfo")
    if mark is None or not bool(mark.get("/Marked", False)):
        problems.append(f"{claim}: the catalog's /MarkInfo does not say /Marked true (the PDF is not tagged)")
    if not str(root.get("/Lang", "")).strip():
        problems.append(f"{claim}: no document language (/Lang in the catalog)")
    prefs = root.get("/ViewerPreferences")
    if prefs is None or not bool(prefs.get("/DisplayDocTitle", False)):
        problems.append(f"{claim}: viewers are not told to show the title (/ViewerPreferences /DisplayDocTitle true)")
    if not (meta.get("dc:title") or "").strip():
        problems.append(f"{claim}: no document title (dc:title in the XMP metadata)")
    tree = root.get("/StructTreeRoot")
    if tree is None or tree.get("/K") is None:
        problems.append(f"{claim}: no structure tree (/StructTreeRoot with /K)")
        elements, truncated = [], False
    else:
        elements, truncated = _struct_elements(tree)
    if truncated:
        problems.append(f"{claim}: structure tree larger than {MAX_NODES} elements; not checked to the end")
    problems += _heading_problems(elements, claim)
    for element in elements:
        if str(element.get("/S")) == "/Figure" and not (str(element.get("/Alt", "")).strip()
                                                        or str(element.get("/ActualText", "")).strip()):
            problems.append(f"{claim}: a figure has no alternate text (/Alt)")
    problems += _link_problems(pdf, claim)
    return list(dict.fromkeys(problems))


def _heading_problems(elements, claim: str) -> list[str]:
    """Headings H1-H6 start at H1 and never skip a level going down."""
    levels = [int(m.group(1)) for e in elements if (m := HEADING.fullmatch(str(e.get("/S"))))]
    if not levels:
        return [f"{claim}: no headings (H1-H6) in the structure tree"]
    problems = []
    if levels[0] != 1:
        problems.append(f"{claim}: the first heading is H{levels[0]}, expected H1")
    for before, after in zip(levels, levels[1:]):
        if after > before + 1:
            problems.append(f"{claim}: heading H{after} follows H{before} (a level is skipped)")
    return problems


def _link_problems(pdf, claim: str) -> list[str]:
    """Every link annotation has an alternate description (/Contents) and is tagged (/StructParent)."""
    problems = []
    for number, page in enumerate(pdf.pages, 1):
        for annot in page.obj.get("/Annots") or []:
            if annot.get("/Subtype") != "/Link":
                continue
            if not str(annot.get("/Contents", "")).strip():
                problems.append(f"{claim}: page {number}: a link has no alternate description (/Contents)")
            if "/StructParent" not in annot:
                problems.append(f"{claim}: page {number}: a link is not in the structure tree (/StructParent)")
    return problems


def variant_problems(pdf, variant: str) -> list[str]:
    """The variant the PDF claims (pdfaid part and level, or pdfuaid) is the configured `pdf_variant`."""
    meta = pdf.open_metadata() if "/Metadata" in pdf.Root else {}
    part, level, ua = meta.get("pdfaid:part"), (meta.get("pdfaid:conformance") or "").lower(), meta.get("pdfuaid:part")
    found = f"pdf/a-{part}{level}" if part else (f"pdf/ua-{ua}" if ua else "neither PDF/A nor PDF/UA")
    if found == variant:
        return []
    return [f"built as {found}, but the configured pdf_variant is {variant} (rebuild with `briefing build --force`)"]
