"""Background duties: scheduler tick, planning, sender loop, simulator, session expiry."""
