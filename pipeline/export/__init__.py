"""Journal exports of final notes: JATS 1.3 XML per note (`jats`) and a Crossref deposit per issue (`crossref`).

- `record`: one note's publication record (metadata, names, DOI, sections, entities) from the
  inputs and the build's outputs, with the checks both formats need;
- `inline`: the notes' Markdown inline markup as XML inline elements;
- `schemas`: finding the XSD schemas (../shared/schemas or `schemas_dir`) and validating with lxml.
"""
