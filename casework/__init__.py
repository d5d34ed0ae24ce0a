"""The domain of Conduct Desk: people, cases, events, bans, letters as records, the policy ladder.

Pure Python: imports nothing else of ours and does no I/O beyond reading configuration.
"""
