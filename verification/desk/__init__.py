"""The review desk: one signature at a time, with all the evidence on one screen.

It sits at the top of the dependency graph: it reads the verification
evidence (domains, register, outbox) and decides through signatures' state
machine. Nothing imports it but the URLs, the admin index and the beat task.

    evidence.py  what is known of a signature, gathered in a bounded number of queries
    verdict.py   the recommended verdict: the rule, written once, and its explanation
    claims.py    who gets which signature (leases), and a decision that cannot be stale
    numbers.py   a moderator's own numbers
    digest.py    the email to moderators when the queue waits too long
    views.py     the pages, in the staff site
"""
