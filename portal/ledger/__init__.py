"""The assistance ledger (issue 11): disbursements gated by tier and unit vetting, the reform
endowment levy on an append-only double-entry ledger, and reform grants paid from it."""
