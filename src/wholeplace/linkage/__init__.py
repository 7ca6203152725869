"""The master person index: one person across agencies' records, linked with splink and reviewed by people."""
