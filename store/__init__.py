"""Persistence on TinyDB: process-safe storage, case repository, audit log, evidence vault."""
