"""`/admin/`: the administrators' pages (DESIGN §12): failed jobs and the audit log."""
