"""Administration in the browser (/admin): users, the region tree, partners' credentials."""
