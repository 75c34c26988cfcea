"""Read-only queries for the scheduler, the reports and reconciliation: each an indexed query
(or a fixed handful), returning `casestore.records` values, never rows."""
