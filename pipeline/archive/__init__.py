"""Archive stage: archival PDF contents (attachments, XMP), `briefing check`, BagIt packages and the catalog."""
