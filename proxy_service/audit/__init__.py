"""The audit log's hash chain, its checkpoints and the labels of its events."""
