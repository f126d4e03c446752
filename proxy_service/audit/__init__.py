"""The audit log's hash chain and its checkpoints (how each action reads is in
models/audit_labels.py, beside the AuditEvent model that shows it)."""
