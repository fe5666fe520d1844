"""Day-end check of open payOS payment requests, one by one against payOS's own status (issue 24)."""
